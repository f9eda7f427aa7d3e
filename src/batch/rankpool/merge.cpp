#include "rankpool/merge.hpp"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "rankpool/detail/run_layout.hpp"
#include "rankpool/error.hpp"
#include "rankpool/hdf5_error.hpp"
#include "rankpool/exit_code.hpp"

namespace rankpool {
namespace {

struct part_file {
  std::string path;
  std::optional<run_file> file;
  std::vector<std::uint8_t> status;
};

/// The maximal runs of consecutive tasks whose status satisfies `wanted`.
template <class Predicate>
std::vector<task_span> spans_where(const std::vector<std::uint8_t>& status, Predicate wanted) {
  std::vector<task_span> spans;
  for (std::uint64_t i = 0; i < status.size();) {
    if (!wanted(status[i])) {
      ++i;
      continue;
    }
    const std::uint64_t first = i;
    while (i < status.size() && wanted(status[i])) ++i;
    spans.push_back({first, i});
  }
  return spans;
}

bool finished(std::uint8_t s) { return s != status_pending; }

/// Opens a part read-only and checks it is a run file of the same job as `first`.
part_file open_part(const std::string& path, part_file* first) {
  part_file part{path, std::nullopt, {}};
  if (!std::filesystem::exists(path)) throw usage_error(path + ": no such file");
  try {
    part.file.emplace(run_file::open(path, false));
  } catch (const error& e) {
    throw usage_error(path + ": not a readable rankpool run file (" + e.what() + ")");
  }
  run_file& f = *part.file;
  try {
    if (!f.has_attribute("/", "job_identity") || !f.has_attribute("/", "job_resolved") || !f.exists("/tasks/status"))
      throw usage_error(path + ": not a rankpool run file (no job_identity attribute or /tasks/status)");
    if (first && f.string_attribute("/", "job_identity") != first->file->string_attribute("/", "job_identity"))
      throw usage_error(path + ": a different job from " + first->path + " (app, parameters or sweep differ)");
    part.status = f.read_all<std::uint8_t>("/tasks/status");
    if (first && part.status.size() != first->status.size())
      throw usage_error(path + ": holds " + std::to_string(part.status.size()) + " tasks, " + first->path + " " +
                        std::to_string(first->status.size()));
  } catch (const hdf5_error& e) {
    throw usage_error(path + ": not a rankpool run file (" + e.what() + ")");
  }
  return part;
}

template <class T>
void append_all(run_file& merged, run_file& part, const std::string& path, std::vector<T> values = {}) {
  if (values.empty() && part.exists(path)) values = part.read_all<T>(path);
  if (!values.empty()) merged.append<T>(path, values.data(), values.size());
}

/// The part's failure records of the tasks it failed (not those a later retry fixed).
void merge_failures(run_file& merged, part_file& part) {
  run_file& f = *part.file;
  if (!f.exists("/tasks/failed_index")) return;
  const auto index = f.read_all<std::uint64_t>("/tasks/failed_index");
  const auto attempts = f.read_all<std::uint32_t>("/tasks/failed_attempts");
  const auto message = f.read_strings("/tasks/failed_message");
  std::vector<std::uint64_t> kept_index;
  std::vector<std::uint32_t> kept_attempts;
  std::vector<std::string> kept_message;
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (index[i] >= part.status.size() || part.status[index[i]] != status_failed) continue;
    kept_index.push_back(index[i]);
    kept_attempts.push_back(i < attempts.size() ? attempts[i] : 0);
    kept_message.push_back(i < message.size() ? message[i] : std::string());
  }
  append_all(merged, f, "/tasks/failed_index", std::move(kept_index));
  append_all(merged, f, "/tasks/failed_attempts", std::move(kept_attempts));
  if (!kept_message.empty()) merged.append_strings("/tasks/failed_message", kept_message);
}

/// The part's chunk timeline, each chunk tagged with the part's number.
void merge_chunks(run_file& merged, run_file& part, std::uint32_t number) {
  append_all<std::uint64_t>(merged, part, "/chunks/first_task");
  for (const char* column : {"/chunks/count", "/chunks/rank", "/chunks/threads", "/chunks/failed"})
    append_all<std::uint32_t>(merged, part, column);
  append_all<std::uint8_t>(merged, part, "/chunks/kind");
  append_all<double>(merged, part, "/events/seconds");
  append_all<std::int32_t>(merged, part, "/events/rank");
  for (const char* column : {"/events/host", "/events/what", "/events/reason"})
    if (part.exists(column)) {
      const auto values = part.read_strings(column);
      if (!values.empty()) merged.append_strings(column, values);
    }
  for (const char* column : {"/chunks/start", "/chunks/end", "/chunks/busy"}) append_all<double>(merged, part, column);
  const std::uint64_t chunks = part.exists("/chunks/first_task") ? part.dims("/chunks/first_task").at(0) : 0;
  append_all(merged, part, "/chunks/source", std::vector<std::uint32_t>(chunks, number));
}

/// Writes the merged file at `path` (a temporary name: merge_runs renames it).
merge_summary write_merged(const std::string& path, const job_spec& job, app& instance, std::vector<part_file>& parts) {
  const std::uint64_t tasks = parts.front().status.size();
  run_file merged = run_file::create(path);
  detail::create_run_file_layout(merged, job, instance, tasks);
  merged.create_column<std::uint32_t>("/chunks/source");
  merged.set_attribute("/chunks/source", "meaning", std::string("which of merged_from (0-based) ran the chunk"));

  std::vector<std::string> sources;
  std::vector<std::uint8_t> status(tasks, status_pending);
  std::int64_t ranks = 1;
  std::int64_t threads = 1;
  double seconds = 0;
  double busy_seconds = 0;
  std::string start_time;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    part_file& part = parts[p];
    run_file& f = *part.file;
    sources.push_back(part.path);
    for (const task_span& span : spans_where(part.status, finished)) {
      merged.copy_rows(f, "/tasks/status", span.first, span.end - span.first);
      merged.copy_rows(f, "/tasks/attempts", span.first, span.end - span.first);
      for (const char* column : {"/timing/rank", "/timing/seconds"})
        if (f.exists(column)) merged.copy_rows(f, column, span.first, span.end - span.first);
      std::copy(part.status.begin() + span.first, part.status.begin() + span.end, status.begin() + span.first);
    }
    const auto done = spans_where(part.status, [](std::uint8_t s) { return s == status_done; });
    if (!done.empty()) instance.merge_results(merged, f, done);
    merge_failures(merged, part);
    merge_chunks(merged, f, static_cast<std::uint32_t>(p));
    if (f.has_attribute("/", "ranks")) ranks = std::max(ranks, f.int_attribute("/", "ranks"));
    if (f.has_attribute("/", "threads_per_rank")) threads = std::max(threads, f.int_attribute("/", "threads_per_rank"));
    if (f.has_attribute("/", "seconds")) seconds = std::max(seconds, f.real_attribute("/", "seconds"));
    if (f.has_attribute("/", "busy_seconds")) busy_seconds += f.real_attribute("/", "busy_seconds");
    if (f.has_attribute("/", "start_time_utc")) {
      const std::string t = f.string_attribute("/", "start_time_utc");
      if (start_time.empty() || t < start_time) start_time = t;
    }
  }

  merge_summary summary;
  summary.app = job.app->name;
  summary.output = job.output;
  summary.parts = parts.size();
  summary.tasks = tasks;
  summary.done = static_cast<std::uint64_t>(std::count(status.begin(), status.end(), status_done));
  summary.failed = static_cast<std::uint64_t>(std::count(status.begin(), status.end(), status_failed));
  summary.pending = tasks - summary.done - summary.failed;

  merged.set_attribute("/", "merged_from", sources);
  merged.set_attribute("/", "merge_time_utc", detail::utc_now());
  if (!start_time.empty()) merged.set_attribute("/", "start_time_utc", start_time);
  merged.set_attribute("/", "ranks", ranks);
  merged.set_attribute("/", "threads_per_rank", threads);
  merged.set_attribute("/", "seconds", seconds);
  merged.set_attribute("/", "busy_seconds", busy_seconds);
  merged.set_attribute("/", "failed", summary.failed);
  const char* verdict = summary.pending > 0 ? "incomplete" : summary.failed > 0 ? "failed" : "complete";
  merged.set_attribute("/", "status", std::string(verdict));
  merged.close();
  return summary;
}

}  // namespace

std::string merge_summary::to_json() const {
  return nlohmann::json{{"app", app},   {"parts", parts},   {"tasks", tasks}, {"done", done},
                        {"failed", failed}, {"pending", pending}, {"output", output}}
      .dump();
}

int merge_summary::exit_status() const { return failed + pending > 0 ? exit_tasks_failed : exit_ok; }

merge_summary merge_runs(const std::string& output, const std::vector<std::string>& part_paths, bool force) {
  namespace fs = std::filesystem;
  if (part_paths.empty()) throw usage_error("merge: no run files to merge");
  std::error_code ec;
  if (fs::exists(output, ec) && !force) throw usage_error(output + ": output exists; pass --force to replace it");
  if (const std::string problem = detail::output_problem(output, true); !problem.empty()) throw usage_error(problem);

  std::vector<part_file> parts;
  for (const std::string& path : part_paths) {
    if (fs::exists(output, ec) && fs::equivalent(path, output, ec))
      throw usage_error(path + ": is the output too; merge into a new file");
    parts.push_back(open_part(path, parts.empty() ? nullptr : &parts.front()));
  }
  // A task finished in two parts has two answers: refuse rather than pick one.
  std::vector<std::uint8_t> taken(parts.front().status.size(), 0);
  for (std::size_t p = 0; p < parts.size(); ++p) {
    for (std::uint64_t i = 0; i < taken.size(); ++i) {
      if (!finished(parts[p].status[i])) continue;
      if (taken[i]) {
        std::size_t other = 0;
        while (!finished(parts[other].status[i])) ++other;
        throw usage_error("task " + std::to_string(i) + " is finished in both " + parts[other].path + " and " +
                          parts[p].path + ": give each task's part once");
      }
      taken[i] = 1;
    }
  }

  run_file& first = *parts.front().file;
  job_spec job = parse_job(parts.front().path + ":job_resolved", first.string_attribute("/", "job_resolved"));
  job.text = first.string_attribute("/", "job_toml");
  job.output = output;
  const std::unique_ptr<app> instance = job.app->make(job.params);
  if (instance->task_count() != taken.size())
    throw usage_error(parts.front().path + ": holds " + std::to_string(taken.size()) + " tasks, but its job has " +
                      std::to_string(instance->task_count()));

  const std::string temporary = output + ".merging";
  fs::remove(temporary, ec);
  merge_summary summary;
  try {
    summary = write_merged(temporary, job, *instance, parts);
    fs::rename(temporary, output);
  } catch (...) {
    fs::remove(temporary, ec);
    throw;
  }
  // Derived outputs (an image next to the file) belong to the final name.
  if (summary.failed == 0 && summary.pending == 0) {
    run_file merged = run_file::open(output, true);
    instance->finish(merged);
    merged.close();
  }
  return summary;
}

}  // namespace rankpool
