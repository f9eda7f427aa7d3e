#include "rankpool/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <time.h>

#include <ctime>
#include <filesystem>
#include <limits>
#include <span>
#include <nlohmann/json.hpp>

#include "rankpool/detail/run_layout.hpp"
#include "rankpool/detail/running_record.hpp"
#include "rankpool/signals.hpp"
#include "rankpool/slurm.hpp"
#include "rankpool/version.hpp"

namespace rankpool {
namespace {

/// Rank 0 decides, every rank learns the verdict, so all ranks fail together.
void agree_or_throw(const environment& env, const std::string& problem) {
  const std::string verdict = env.broadcast(problem);
  if (!verdict.empty()) throw usage_error(verdict);
}

/// One column per swept parameter, row i = combination i = task i.
void write_sweep_table(run_file& file, const params& p) {
  const sweep_table* sweep = p.sweep();
  if (!sweep) return;
  const std::uint64_t n = sweep->size();
  std::vector<std::string> names;
  for (std::size_t a = 0; a < sweep->axes.size(); ++a) {
    const std::string& name = sweep->axes[a].name;
    names.push_back(name);
    const std::string path = "/sweep/" + name;
    switch (sweep->axes[a].values.front().index()) {
      case 0: {
        std::vector<std::int64_t> column(n);
        for (std::uint64_t i = 0; i < n; ++i) column[i] = std::get<std::int64_t>(sweep->value(a, i));
        file.create_column<std::int64_t>(path);
        file.append(path, column.data(), column.size());
        break;
      }
      case 1: {
        std::vector<double> column(n);
        for (std::uint64_t i = 0; i < n; ++i) column[i] = std::get<double>(sweep->value(a, i));
        file.create_column<double>(path);
        file.append(path, column.data(), column.size());
        break;
      }
      case 2: {
        std::vector<std::string> column(n);
        for (std::uint64_t i = 0; i < n; ++i) column[i] = std::get<std::string>(sweep->value(a, i));
        file.create_string_column(path);
        file.append_strings(path, column);
        break;
      }
      default: {
        std::vector<std::uint8_t> column(n);
        for (std::uint64_t i = 0; i < n; ++i) column[i] = std::get<bool>(sweep->value(a, i)) ? 1 : 0;
        file.create_column<std::uint8_t>(path);
        file.append(path, column.data(), column.size());
        break;
      }
    }
  }
  file.set_attribute("/sweep", "parameters", names);
  file.set_attribute("/sweep", "mode", std::string(sweep->mode == sweep_table::combine::zip ? "zip" : "product"));
}

/// The status record of a run of `tasks` starting now, on this process (rank 0).
run_status starting_record(const environment& env, const job_spec& job, const run_options& options, task_span tasks) {
  run_status record;
  record.app = job.app->name;
  record.output = job.output;
  record.tasks = tasks.end - tasks.first;
  record.start_time_utc = detail::utc_now();
  record.started_unix = detail::unix_now();
  record.updated_unix = record.started_unix;
  record.flush_interval_seconds = std::chrono::duration<double>(options.flush_interval).count();
  record.pid = static_cast<std::int64_t>(getpid());
  record.host = env.host();
  for (int r = 0; r < env.size(); ++r) record.ranks.push_back({r, env.hosts()[static_cast<std::size_t>(r)]});
  return record;
}

template <class T>
void append_column(run_file& file, const std::string& path, std::vector<T>& values) {
  if (!values.empty()) file.append<T>(path, values.data(), values.size());
  values.clear();
}

}  // namespace

std::chrono::system_clock::time_point parse_deadline(const std::string& text) {
  const auto now = std::chrono::system_clock::now();
  auto bad = [&](const std::string& why) -> std::chrono::system_clock::time_point {
    throw usage_error("--deadline " + text + ": " + why);
  };
  if (text.find('-') != std::string::npos || text.find(':') != std::string::npos) {
    std::tm when{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M", &when);
    if (end && *end == ':') end = strptime(end, ":%S", &when);
    if (!end || *end != '\0') return bad("not a time YYYY-MM-DDTHH:MM[:SS]");
    when.tm_isdst = -1;
    const std::time_t t = std::mktime(&when);
    if (t == static_cast<std::time_t>(-1)) return bad("not a time");
    const auto deadline = std::chrono::system_clock::from_time_t(t);
    if (deadline <= now) return bad("is past");
    return deadline;
  }
  // A duration: numbers with units h, m, s (a bare number: seconds).
  double seconds = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t used = 0;
    double number = 0;
    try {
      number = std::stod(text.substr(at), &used);
    } catch (const std::exception&) {
      return bad("not a duration (90s, 45m, 2h, 1h30m) or a time YYYY-MM-DDTHH:MM[:SS]");
    }
    at += used;
    const char unit = at < text.size() ? text[at++] : 's';
    if (!(number >= 0) || (unit != 'h' && unit != 'm' && unit != 's'))
      return bad("not a duration (90s, 45m, 2h, 1h30m) or a time YYYY-MM-DDTHH:MM[:SS]");
    seconds += number * (unit == 'h' ? 3600 : unit == 'm' ? 60 : 1);
  }
  if (!(seconds > 0)) return bad("must be in the future");
  return now + std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(seconds));
}

shard_spec shard_spec::parse(const std::string& text) {
  const auto slash = text.find('/');
  auto number = [&](const std::string& digits) -> std::optional<std::uint64_t> {
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoull(digits);
  };
  const auto index = slash == std::string::npos ? std::nullopt : number(text.substr(0, slash));
  const auto count = slash == std::string::npos ? std::nullopt : number(text.substr(slash + 1));
  if (!index || !count || *count == 0 || *index >= *count)
    throw usage_error("--shard " + text + ": expected INDEX/COUNT with 0 <= INDEX < COUNT <= 999999999, e.g. 0/8");
  return {*index, *count};
}

task_span shard_spec::tasks_of(std::uint64_t tasks) const {
  // index * tasks can overflow 64 bits for huge sweeps: split the product.
  auto boundary = [&](std::uint64_t k) { return (tasks / count) * k + (tasks % count) * k / count; };
  return {boundary(index), boundary(index + 1)};
}

std::string run_summary::to_json() const {
  nlohmann::json j{{"app", app},
                   {"tasks", tasks},
                   {"failed", failed},
                   {"cancelled", cancelled},
                   {"already_done", already_done},
                   {"ran", ran},
                   {"interrupted", interrupted},
                   {"ranks", ranks},
                   {"threads_per_rank", threads_per_rank},
                   {"seconds", seconds},
                   {"tasks_per_s", tasks_per_s()},
                   {"busy_seconds", busy_seconds},
                   {"efficiency", efficiency()},
                   {"output", output}};
  if (!shard.empty()) j["shard"] = shard;
  if (deadline_reached) j["deadline_reached"] = true;
  nlohmann::json events = nlohmann::json::array();
  for (const rank_note& e : rank_events)
    events.push_back({{"rank", e.rank}, {"host", e.host}, {"seconds", e.seconds}, {"what", e.what}, {"reason", e.reason}});
  j["rank_events"] = events;
  j["lost_ranks"] = resilience.lost_ranks;
  j["rerun_chunks"] = resilience.reruns;
  j["speculative_chunks"] = resilience.speculative;
  j["discarded_duplicates"] = resilience.duplicates;
  j["quarantined_tasks"] = resilience.quarantined;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

job_context::job_context(pool& p, run_file& file, const job_spec& job, progress_reporter& progress,
                         const run_options& options, task_span tasks)
    : pool_(p),
      file_(file),
      job_(job),
      progress_(progress),
      flush_interval_(options.flush_interval),
      flush_every_(std::max<std::uint64_t>(1, options.flush_every)),
      grace_(options.grace),
      last_flush_(std::chrono::steady_clock::now()),
      tasks_(tasks),
      status_(file, "/tasks/status"),
      attempts_(file, "/tasks/attempts"),
      task_rank_(file, "/timing/rank"),
      task_seconds_(file, "/timing/seconds"),
      record_(starting_record(p.env(), job, options, tasks)),
      record_path_(status_record_path(job.output)) {
  running_ = std::make_unique<detail::running_record>(job.output);
  write_record();
}

job_context::~job_context() = default;

void job_context::on_rank0_chunk(std::uint64_t first, std::uint32_t count, bool starting) {
  if (!running_) return;
  if (!starting) {
    running_->end(first);
    return;
  }
  // Batch positions to runs of consecutive task indices (a resumed or reordered batch
  // is not contiguous).
  std::vector<task_span> spans;
  for (std::uint64_t position = first; position < first + count; ++position) {
    const std::uint64_t index = task_index(position);
    if (!spans.empty() && spans.back().end == index) {
      ++spans.back().end;
    } else {
      spans.push_back({index, index + 1});
    }
  }
  running_->start(first, spans);
}

void job_context::fail_without_running(std::uint64_t index, const std::string& reason) {
  task_failure f;
  f.index = index;
  f.rank = 0;
  f.ranks = static_cast<std::uint32_t>(pool_.ranks());
  f.host = pool_.env().host();
  f.type = "rankpool::worker_lost";
  f.message = reason;
  record_failure(f);
}

void job_context::record_success(std::uint64_t index) {
  status_.set(index, status_done);
  attempts_.set(index, 1);
  ++done_;
  ++results_since_flush_;
}

void job_context::record_failure(const task_failure& f) {
  status_.set(f.index, status_failed);
  attempts_.set(f.index, static_cast<std::uint8_t>(std::min<std::uint32_t>(f.attempts, 255)));
  failed_index_.push_back(f.index);
  failed_attempts_.push_back(f.attempts);
  failed_message_.push_back(f.describe());  // "Worker R of N on HOST: MESSAGE", as run files always stored it
  ++failed_;
  ++done_;
  ++results_since_flush_;
}

void job_context::on_chunk(const chunk_record& r) {
  const std::uint64_t first = task_index(r.first);
  if (r.attempt > 1 && r.count == 1 && r.failed == 0)
    attempts_.set(first, static_cast<std::uint8_t>(std::min<std::uint32_t>(r.attempt, 255)));
  trace_.first_task.push_back(first);
  trace_.count.push_back(r.count);
  trace_.rank.push_back(r.rank);
  trace_.threads.push_back(r.threads);
  trace_.failed.push_back(r.failed);
  trace_.start.push_back(r.start);
  trace_.end.push_back(r.end);
  trace_.busy.push_back(r.busy);
  trace_.kind.push_back(static_cast<std::uint8_t>(r.kind));
  // A duplicate goes on the timeline only (the winner's results and times stand); items
  // given up for good after two lost ranks were never measured.
  if (r.kind == chunk_kind::duplicate || r.end <= 0) return;
  // Per task: the rank that ran it and its chunk's mean item time (exact for one-item chunks).
  const double seconds_per_item = r.count > 0 ? r.busy / r.count : 0;
  for (std::uint64_t position = r.first; position < r.first + r.count; ++position) {
    const std::uint64_t index = task_index(position);
    task_rank_.set(index, static_cast<std::int32_t>(r.rank));
    task_seconds_.set(index, seconds_per_item);
  }
  if (r.rank < record_.ranks.size()) {
    rank_activity& activity = record_.ranks[r.rank];
    ++activity.chunks;
    activity.tasks += r.count;
    activity.busy_seconds += r.busy;
    activity.last_result_seconds = std::max(activity.last_result_seconds, r.end);
  }
  progress_.update(done_, failed_);
  on_idle();
}

void job_context::on_rank_event(const rank_event& e) {
  const char* what = e.what == rank_event::kind::lost ? "lost" : "rejoined";
  rank_events_.push_back({e.rank, e.host, e.seconds, what, e.reason});
  events_.seconds.push_back(e.seconds);
  events_.rank.push_back(e.rank);
  events_.host.push_back(e.host);
  events_.what.push_back(what);
  events_.reason.push_back(e.reason);
  const std::string who = describe_rank(e.rank, pool_.ranks(), e.host);
  if (e.what == rank_event::kind::lost) {
    std::fprintf(stderr, "rankpool: lost %s at %.1f s: %s; its tasks run elsewhere\n", who.c_str(), e.seconds,
                 e.reason.c_str());
  } else {
    std::fprintf(stderr, "rankpool: %s answers again at %.1f s; it gets work again\n", who.c_str(), e.seconds);
  }
  std::fflush(stderr);
}

void job_context::on_idle() {
  if (const int signal_number = received_stop_signal(); signal_number && !interrupted_) begin_interrupt(signal_number);
  if (results_since_flush_ >= flush_every_ || std::chrono::steady_clock::now() - last_flush_ >= flush_interval_) flush();
  if (interrupted_ && std::chrono::steady_clock::now() > interrupt_deadline_) {
    // Chunks still out after the grace period may never come back (a rank may be
    // gone): keep what is durable and end every rank.
    flush();
    file_.close();
    running_.reset();  // a deliberate stop: what rank 0 was running is no suspect
    close_record("interrupted", exit_interrupted, pool_.resilience().lost_ranks);
    std::fprintf(stderr, "rankpool: chunks still running after the %.0f s grace period; stopping now (resumable)\n",
                 std::chrono::duration<double>(grace_).count());
    std::fflush(stderr);
    pool_.env().abort(exit_interrupted);
  }
}

void job_context::begin_interrupt(int signal_number) {
  interrupted_ = true;
  interrupt_deadline_ = std::chrono::steady_clock::now() + grace_;
  pool_.cancel_all();
  file_.set_attribute("/", "status", std::string("interrupted"));
  record_.state = "interrupted";
  flush();
  std::fprintf(stderr, "rankpool: received signal %d: no new chunks, waiting up to %.0f s for those in flight\n",
               signal_number, std::chrono::duration<double>(grace_).count());
}

void job_context::flush() {
  // Results first and flushed, then the statuses that say they exist: a crash in
  // between leaves a result without a status (run again on resume), never the reverse.
  for (auto& column : result_columns_) column->flush();
  file_.flush();
  status_.flush();
  attempts_.flush();
  task_rank_.flush();
  task_seconds_.flush();
  append_column(file_, "/tasks/failed_index", failed_index_);
  append_column(file_, "/tasks/failed_attempts", failed_attempts_);
  if (!failed_message_.empty()) file_.append_strings("/tasks/failed_message", failed_message_);
  failed_message_.clear();
  append_column(file_, "/chunks/first_task", trace_.first_task);
  append_column(file_, "/chunks/count", trace_.count);
  append_column(file_, "/chunks/rank", trace_.rank);
  append_column(file_, "/chunks/threads", trace_.threads);
  append_column(file_, "/chunks/failed", trace_.failed);
  append_column(file_, "/chunks/start", trace_.start);
  append_column(file_, "/chunks/end", trace_.end);
  append_column(file_, "/chunks/busy", trace_.busy);
  append_column(file_, "/chunks/kind", trace_.kind);
  append_column(file_, "/events/seconds", events_.seconds);
  append_column(file_, "/events/rank", events_.rank);
  for (auto* column : {&events_.host, &events_.what, &events_.reason}) {
    if (column->empty()) continue;
    const char* name = column == &events_.host ? "/events/host" : column == &events_.what ? "/events/what" : "/events/reason";
    file_.append_strings(name, *column);
    column->clear();
  }
  file_.flush();
  last_flush_ = std::chrono::steady_clock::now();
  results_since_flush_ = 0;
  write_record();
}

void job_context::write_record() {
  if (record_failed_) return;
  record_.updated_unix = detail::unix_now();
  record_.done = earlier_done_ + (done_ - failed_);
  record_.failed = earlier_failed_ + failed_;
  // Enough recent points for a rate over the last half minute at the default flush interval.
  constexpr std::size_t kept_points = 32;
  record_.history.emplace_back(record_.updated_unix - record_.started_unix, record_.done);
  if (record_.history.size() > kept_points) record_.history.erase(record_.history.begin());
  try {
    record_.write_atomically(record_path_);
  } catch (const error& e) {
    record_failed_ = true;  // the run goes on: the record only serves `rankpool status`
    std::fprintf(stderr, "rankpool: %s (rankpool status will not see this run)\n", e.what());
  }
}

void job_context::close_record(const std::string& state, int exit_code, std::uint64_t lost_ranks) {
  record_.state = state;
  record_.exit_code = exit_code;
  record_.lost_ranks = lost_ranks;
  write_record();
}

namespace detail {

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string output_problem(const std::string& path, bool force) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec) && !force)
    return path + ": output exists; pass --resume to continue it or --force to overwrite it";
  if (fs::is_directory(path, ec)) return path + ": output path is a directory";
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) return path + ": output directory " + dir.string() + " does not exist";
  if (access(dir.c_str(), W_OK) != 0) return path + ": output directory " + dir.string() + " is not writable";
  return "";
}

void add_missing_columns(run_file& file, std::uint64_t tasks) {
  if (!file.exists("/timing/rank")) file.create_dataset<std::int32_t>("/timing/rank", {tasks}, -1);
  if (!file.exists("/timing/seconds"))
    file.create_dataset<double>("/timing/seconds", {tasks}, std::numeric_limits<double>::quiet_NaN());
  if (!file.exists("/chunks/kind")) {
    file.create_column<std::uint8_t>("/chunks/kind");
    const std::vector<std::uint8_t> ran(file.dims("/chunks/first_task").at(0), 0);  // the chunks before: all ran
    if (!ran.empty()) file.append<std::uint8_t>("/chunks/kind", ran.data(), ran.size());
  }
  if (!file.exists("/events/seconds")) {
    file.create_column<double>("/events/seconds");
    file.create_column<std::int32_t>("/events/rank");
    for (const char* column : {"/events/host", "/events/what", "/events/reason"}) file.create_string_column(column);
  }
}

void create_run_file_layout(run_file& file, const job_spec& job, app& instance, std::uint64_t tasks) {
  file.set_attribute("/", "rankpool_version", std::string(version));
  file.set_attribute("/", "app", job.app->name);
  file.set_attribute("/", "job_toml", job.text);
  file.set_attribute("/", "job_resolved", job.resolved_toml());
  file.set_attribute("/", "job_identity", job.identity_toml());
  file.set_attribute("/", "tasks", static_cast<std::uint64_t>(tasks));
  file.create_dataset<std::uint8_t>("/tasks/status", {tasks}, status_pending);
  file.set_attribute("/tasks/status", "meaning", std::string("0 pending, 1 done, 2 failed"));
  file.create_dataset<std::uint8_t>("/tasks/attempts", {tasks}, 0);
  file.create_column<std::uint64_t>("/tasks/failed_index");
  file.create_column<std::uint32_t>("/tasks/failed_attempts");
  file.create_string_column("/tasks/failed_message");
  file.create_column<std::uint64_t>("/chunks/first_task");
  for (const char* column : {"/chunks/count", "/chunks/rank", "/chunks/threads", "/chunks/failed"})
    file.create_column<std::uint32_t>(column);
  for (const char* column : {"/chunks/start", "/chunks/end", "/chunks/busy"}) file.create_column<double>(column);
  file.set_attribute("/chunks", "time_unit", std::string("seconds since the pool started"));
  file.create_column<std::uint8_t>("/chunks/kind");
  file.set_attribute("/chunks/kind", "meaning",
                     std::string("0 ran, 1 rerun after its rank was lost, 2 speculative copy, 3 duplicate (discarded)"));
  file.create_column<double>("/events/seconds");
  file.create_column<std::int32_t>("/events/rank");
  for (const char* column : {"/events/host", "/events/what", "/events/reason"}) file.create_string_column(column);
  file.set_attribute("/events", "meaning", std::string("ranks lost (and answering again) during the runs"));
  file.create_dataset<std::int32_t>("/timing/rank", {tasks}, -1);
  file.set_attribute("/timing/rank", "meaning", std::string("the rank that ran the task's last attempt; -1: not run"));
  file.create_dataset<double>("/timing/seconds", {tasks}, std::numeric_limits<double>::quiet_NaN());
  file.set_attribute("/timing/seconds", "meaning",
                     std::string("the mean item time of the chunk that ran the task (busy thread-seconds / items; "
                                 "exact for a one-item chunk); NaN: not run"));
  write_sweep_table(file, job.params);
  instance.create_results(file);
}

}  // namespace detail

namespace {

/// Why the run file at job.output cannot be resumed as `job` (and `shard`), or "".
std::string check_resumable(const job_spec& job, std::uint64_t tasks, const std::optional<shard_spec>& shard) {
  std::optional<run_file> file;
  try {
    file.emplace(run_file::open(job.output, false));
  } catch (const error& e) {
    return job.output + ": cannot resume: not a readable rankpool run file (" + e.what() + ")";
  }
  try {
    if (!file->has_attribute("/", "job_identity") || !file->exists("/tasks/status"))
      return job.output + ": cannot resume: not a rankpool run file (no job_identity attribute or /tasks/status)";
    if (file->string_attribute("/", "job_identity") != job.identity_toml())
      return job.output + ": cannot resume: the job's app, parameters or sweep differ from those recorded in the file";
    if (file->dims("/tasks/status") != std::vector<std::uint64_t>{tasks})
      return job.output + ": cannot resume: the file holds a different number of tasks";
    const std::string recorded = file->has_attribute("/", "shard") ? file->string_attribute("/", "shard") : "";
    const std::string wanted = shard ? shard->to_string() : "";
    if (recorded != wanted)
      return job.output + ": cannot resume: the file holds " +
             (recorded.empty() ? std::string("the whole job") : "shard " + recorded) + ", not " +
             (wanted.empty() ? std::string("the whole job") : "shard " + wanted) +
             (recorded.empty() ? "" : " (pass --shard " + recorded + ")");
  } catch (const error& e) {
    return job.output + ": cannot resume: " + e.what();
  }
  return "";
}

/// Tasks among `selected` that were running on rank 0 when its process died (the record it
/// left), taken out of `selected`: each one's /tasks/crashes count goes up, durably,
/// before anything runs. Returns (suspects to run alone, tasks that took rank 0 down twice).
std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> take_suspects(run_file& file, const std::string& output,
                                                                               std::vector<std::uint64_t>& selected,
                                                                               std::uint64_t tasks) {
  const std::vector<task_span> spans = detail::running_record::left_by_dead_run(output);
  if (spans.empty()) return {};
  auto in_spans = [&](std::uint64_t i) {
    return std::any_of(spans.begin(), spans.end(), [i](const task_span& s) { return i >= s.first && i < s.end; });
  };
  if (!file.exists("/tasks/crashes")) {
    file.create_dataset<std::uint8_t>("/tasks/crashes", {tasks}, 0);
    file.set_attribute("/tasks/crashes", "meaning",
                       std::string("runs whose rank 0 died while running the task (two: it fails without running)"));
  }
  std::vector<std::uint8_t> crashes = file.read_all<std::uint8_t>("/tasks/crashes");
  std::vector<std::uint64_t> suspects, quarantined, rest;
  for (std::uint64_t i : selected) {
    if (!in_spans(i)) {
      rest.push_back(i);
      continue;
    }
    crashes[i] = static_cast<std::uint8_t>(std::min(255, crashes[i] + 1));
    file.write_at<std::uint8_t>("/tasks/crashes", i, &crashes[i], 1);
    (crashes[i] >= 2 ? quarantined : suspects).push_back(i);
  }
  file.flush();
  selected = std::move(rest);
  return {std::move(suspects), std::move(quarantined)};
}

/// Opens an earlier run's output for --resume / --retry-failed, or says why not.
/// Checked read-only first: a refused resume leaves the file untouched.
std::string open_for_resume(const job_spec& job, std::uint64_t tasks, const std::optional<shard_spec>& shard,
                            std::optional<run_file>& file) {
  if (std::string problem = check_resumable(job, tasks, shard); !problem.empty()) return problem;
  try {
    file.emplace(run_file::open(job.output, true));
  } catch (const error& e) {
    return job.output + ": cannot resume: cannot open it for writing (" + e.what() + ")";
  }
  return "";
}

}  // namespace

namespace {
/// Reordering by cost keeps one index per task in memory: not for astronomic task counts.
constexpr std::uint64_t max_reordered_tasks = 10'000'000;
}  // namespace

run_summary run_job(environment& env, const job_spec& job, const run_options& options) {
  const bool continuing = options.resume || options.retry_failed;
  if (continuing && options.force)
    agree_or_throw(env, "--force contradicts --resume/--retry-failed: one starts over, the other continues");
  agree_or_throw(env, env.is_root() && !continuing ? detail::output_problem(job.output, options.force) : std::string());

  pool_options pool_opts;
  pool_opts.chunking = job.chunking;
  pool_opts.threads = options.threads;
  pool_opts.prefetch = options.prefetch;
  pool_opts.retries = job.retries;
  pool_opts.on_error = job.on_error;
  pool_opts.rank0_tasks = options.rank0_tasks;
  pool_opts.speculation = options.speculation;
  pool workers(env, pool_opts);
  std::optional<std::chrono::system_clock::time_point> deadline = options.deadline;
  if (!deadline && options.slurm_deadline && env.is_root()) deadline = slurm_end_time();
  if (deadline) {
    // The deadline is wall-clock; the pool works in steady time. Chunks must end a grace
    // period before it, so the drain and the last flush fit too.
    const auto left = *deadline - std::chrono::system_clock::now() - options.grace;
    workers.set_deadline(std::chrono::steady_clock::now() +
                         std::chrono::duration_cast<std::chrono::steady_clock::duration>(left));
  }
  std::unique_ptr<app> instance = job.app->make(job.params);
  instance->define_tasks(workers);
  const std::uint64_t tasks = instance->task_count();
  const task_span mine = options.shard ? options.shard->tasks_of(tasks) : task_span{0, tasks};

  run_summary summary;
  summary.app = job.app->name;
  summary.tasks = mine.end - mine.first;
  if (options.shard) summary.shard = options.shard->to_string();
  summary.ranks = env.size();
  summary.output = job.output;

  std::optional<run_file> file;
  std::vector<std::uint64_t> selected;
  std::vector<std::uint64_t> suspects;
  std::vector<std::uint64_t> quarantined;
  std::uint64_t failed_before = 0;
  if (env.is_root() && continuing) {
    std::string problem = std::filesystem::exists(job.output)
                              ? open_for_resume(job, tasks, options.shard, file)
                              : job.output + ": cannot resume: the file does not exist (run without --resume first)";
    agree_or_throw(env, problem);
    detail::add_missing_columns(*file, tasks);
    const auto status = file->read_all<std::uint8_t>("/tasks/status");
    for (std::uint64_t i = mine.first; i < mine.end; ++i) {
      if (status[i] == status_done) ++summary.already_done;
      if (status[i] == status_failed && !options.retry_failed) ++failed_before;
      if ((options.resume && status[i] == status_pending) || (options.retry_failed && status[i] == status_failed))
        selected.push_back(i);
    }
    if (options.resume) std::tie(suspects, quarantined) = take_suspects(*file, job.output, selected, tasks);
    file->set_attribute("/", "runs", static_cast<std::int64_t>(
                                         file->has_attribute("/", "runs") ? file->int_attribute("/", "runs") + 1 : 2));
  } else if (continuing) {
    agree_or_throw(env, "");
  }

  std::optional<progress_reporter> progress;
  std::optional<job_context> ctx;
  install_stop_signal_handlers();
  if (env.is_root()) {
    if (!continuing) {
      // The status record before the run file: whoever finds the file finds its record, and
      // `rankpool status` never opens a file HDF5 is still creating (a large layout takes a while).
      try {
        starting_record(env, job, options, mine).write_atomically(status_record_path(job.output));
      } catch (const error&) {
        // job_context reports it at its first write
      }
      if (options.force) std::filesystem::remove(job.output);
      file.emplace(run_file::create(job.output));
      detail::create_run_file_layout(*file, job, *instance, tasks);
      if (options.shard) {
        file->set_attribute("/", "shard", options.shard->to_string());
        file->set_attribute("/", "shard_tasks", std::vector<std::int64_t>{static_cast<std::int64_t>(mine.first),
                                                                           static_cast<std::int64_t>(mine.end)});
      }
    }
    file->set_attribute("/", "start_time_utc", detail::utc_now());
    file->set_attribute("/", "ranks", static_cast<std::int64_t>(env.size()));
    file->set_attribute("/", "hosts", env.hosts());
    // The SLURM allocation of this run, when it had one: SLURM_JOB_ID, SLURM_JOB_NODELIST, ...
    for (const auto& [name, value] : slurm_attributes()) file->set_attribute("/", name, value);
    file->set_attribute("/", "status", std::string("running"));
    file->flush();
    const auto progress_mode = progress_reporter::parse_mode(options.progress);
    if (progress_mode != progress_reporter::mode::none)
      std::fprintf(stderr, "rankpool: writing %s; `rankpool status %s` shows how the run is doing\n",
                   job.output.c_str(), job.output.c_str());
    progress.emplace(progress_mode, continuing ? selected.size() : summary.tasks);
    ctx.emplace(workers, *file, job, *progress, options, mine);
    if (continuing) ctx->count_earlier(summary.already_done, failed_before);
    // With costs, the most expensive tasks first (longest processing time first), so the
    // biggest do not run alone at the end; the results keep task order.
    const bool by_cost = options.cost_order && mine.end > mine.first && instance->task_cost(mine.first).has_value();
    if (!continuing && mine.end - mine.first <= max_reordered_tasks && by_cost) {
      selected.clear();
      for (std::uint64_t i = mine.first; i < mine.end; ++i) selected.push_back(i);
    }
    if (!selected.empty() && selected.size() <= max_reordered_tasks && by_cost) {
      std::vector<double> cost(tasks, 0);
      for (std::uint64_t i : selected) cost[i] = instance->task_cost(i).value_or(0);
      std::stable_sort(selected.begin(), selected.end(), [&](std::uint64_t a, std::uint64_t b) { return cost[a] > cost[b]; });
    }
    if (continuing || !selected.empty()) ctx->select(std::move(selected));
    ctx->suspect(std::move(suspects));
    for (std::uint64_t i : quarantined)
      ctx->fail_without_running(i, "was running on rank 0 when its process died, in two runs: it takes the process "
                                   "down (quarantined)");
    workers.on_rank0_chunk([&ctx](std::uint64_t first, std::uint32_t count, bool starting) {
      ctx->on_rank0_chunk(first, count, starting);
    });
    workers.on_chunk_done([&ctx](const chunk_record& r) { ctx->on_chunk(r); });
    workers.on_rank_event([&ctx](const rank_event& e) { ctx->on_rank_event(e); });
    workers.on_idle([&ctx] { ctx->on_idle(); }, std::chrono::milliseconds(100));
  }

  bool reduction_failed = false;
  workers.run([&] {
    const auto start = std::chrono::steady_clock::now();
    try {
      instance->run(*ctx);
    } catch (const task_error& e) {
      std::fprintf(stderr, "rankpool: %s\n", e.what());
      reduction_failed = true;
    }
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (ctx->failed() == 0 && ctx->cancelled() == 0 && !reduction_failed && !ctx->interrupted()) {
      // Only once the whole job is done: a shard, or a resume that left tasks pending, is not.
      ctx->flush();
      const auto status = ctx->file().read_all<std::uint8_t>("/tasks/status");
      if (std::all_of(status.begin(), status.end(), [](std::uint8_t s) { return s == status_done; }))
        instance->finish(ctx->file());
    }
  });

  if (env.is_root()) {
    summary.failed = ctx->failed() + (reduction_failed ? 1 : 0);
    summary.cancelled = ctx->cancelled();
    summary.ran = ctx->done();
    summary.deadline_reached = workers.deadline_reached();
    summary.interrupted = ctx->interrupted() || summary.deadline_reached;
    summary.rank_events = ctx->rank_events();
    summary.resilience = workers.resilience();
    summary.busy_seconds = workers.busy_seconds();
    summary.threads_per_rank = workers.threads();
    summary.total_threads = 0;
    for (int t : workers.threads_by_rank()) summary.total_threads += t;
    progress->finish(ctx->done(), ctx->failed());
    ctx->flush();
    file->set_attribute("/", "threads_per_rank", static_cast<std::int64_t>(summary.threads_per_rank));
    file->set_attribute("/", "seconds", summary.seconds);
    file->set_attribute("/", "busy_seconds", summary.busy_seconds);
    file->set_attribute("/", "failed", static_cast<std::uint64_t>(summary.failed));
    file->set_attribute("/", "lost_ranks", summary.resilience.lost_ranks);
    file->set_attribute("/", "rerun_chunks", summary.resilience.reruns);
    file->set_attribute("/", "speculative_chunks", summary.resilience.speculative);
    file->set_attribute("/", "discarded_duplicates", summary.resilience.duplicates);
    file->set_attribute("/", "quarantined_tasks", summary.resilience.quarantined);
    const auto all_status = file->read_all<std::uint8_t>("/tasks/status");
    const auto status = std::span(all_status).subspan(mine.first, mine.end - mine.first);
    const bool all_done = std::all_of(status.begin(), status.end(), [](std::uint8_t s) { return s == status_done; });
    const char* verdict = summary.interrupted ? "interrupted" : all_done ? "complete" : "failed";
    file->set_attribute("/", "status", std::string(verdict));
    file->close();
    if (!summary.interrupted && !all_done && summary.failed == 0 && summary.cancelled == 0)
      summary.failed = static_cast<std::uint64_t>(std::count(status.begin(), status.end(), status_failed));
    // The exit status, durable before MPI_Finalize: after a lost rank a launcher may
    // report its own (srun: 137), or finalize may never return.
    ctx->close_record(verdict, summary.exit_status(), summary.resilience.lost_ranks);
  }
  return summary;
}

}  // namespace rankpool
