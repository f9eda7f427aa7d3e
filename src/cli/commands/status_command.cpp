// `rankpool status RUN.h5 [--watch]`: how a running or finished run is doing.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "command.hpp"
#include "rankpool/error.hpp"
#include "rankpool/exit_code.hpp"
#include "rankpool/run_file.hpp"
#include "rankpool/run_status.hpp"
#include "rankpool/task_status.hpp"

namespace rankpool::cli {
namespace {

struct status_args {
  std::string file;
  double watch = 0;  ///< seconds between refreshes; 0: print once
  bool json = false;
  bool exit_code = false;
};

double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::string local_host() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? name : "";
}

/// A run file without a status record (an older file, a merge): its own attributes.
/// Only safe once no run writes it, which its status attribute says.
run_status status_from_run_file(const std::string& path) {
  std::optional<run_file> file;
  try {
    file.emplace(run_file::open(path, false));
  } catch (const error& e) {
    throw usage_error(path + ": not a readable rankpool run file (" + e.what() + ")");
  }
  run_status s;
  s.output = path;
  s.app = file->has_attribute("/", "app") ? file->string_attribute("/", "app") : "?";
  s.state = file->has_attribute("/", "status") ? file->string_attribute("/", "status") : "unknown";
  if (s.state == "running")
    throw usage_error(path + ": a run is writing this file and left no status record (written by an older rankpool); "
                             "rankpool status reads it once the run ends");
  const auto status = file->read_all<std::uint8_t>("/tasks/status");
  s.tasks = status.size();
  s.done = static_cast<std::uint64_t>(std::count(status.begin(), status.end(), status_done));
  s.failed = static_cast<std::uint64_t>(std::count(status.begin(), status.end(), status_failed));
  if (file->has_attribute("/", "start_time_utc")) s.start_time_utc = file->string_attribute("/", "start_time_utc");
  return s;
}

run_status read_status(const std::string& path) {
  const std::string record = status_record_path(path);
  std::ifstream in(record);
  if (!in) {
    if (!std::filesystem::exists(path)) throw usage_error(path + ": no such file");
    return status_from_run_file(path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return run_status::from_json(text.str(), record);
}

std::string duration(double seconds) {
  char text[32];
  if (seconds < 120) {
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  } else if (seconds < 7200) {
    std::snprintf(text, sizeof text, "%.1f min", seconds / 60);
  } else {
    std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  }
  return text;
}

/// What the record's state means now: a "running" record that stopped changing may
/// belong to a run that died.
std::string state_now(const run_status& s, double now) {
  if (s.state != "running" || s.updated_unix <= 0) return s.state;
  const double age = now - s.updated_unix;
  std::string state = "running, updated " + duration(age) + " ago";
  if (s.host == local_host() && s.pid > 0 && kill(static_cast<pid_t>(s.pid), 0) != 0 && errno == ESRCH)
    return "stopped: its process " + std::to_string(s.pid) + " is gone (`rankpool run ... --resume` continues it)";
  if (age > std::max(30.0, 10 * s.flush_interval_seconds))
    state += "; no flush for that long: the run may have stopped (`rankpool run ... --resume` continues it)";
  return state;
}

void print_status(const run_status& s, double now) {
  const double fraction = s.tasks ? static_cast<double>(s.done + s.failed) / static_cast<double>(s.tasks) : 1.0;
  std::printf("%s: %s, %s\n", s.output.c_str(), s.app.c_str(), state_now(s, now).c_str());
  std::printf("  tasks     %llu: %llu done, %llu failed, %llu pending (%.1f%% finished)\n",
              static_cast<unsigned long long>(s.tasks), static_cast<unsigned long long>(s.done),
              static_cast<unsigned long long>(s.failed), static_cast<unsigned long long>(s.pending()), 100 * fraction);
  if (s.history.size() >= 2) {
    // The rate over the recent flushes (the last half minute or so), not since the start.
    const auto& last = s.history.back();
    auto first = s.history.begin();
    if (s.state == "running")
      while (std::next(first) != s.history.end() && last.first - first->first > 30) ++first;
    const double span = last.first - first->first;
    const double rate = span > 0 ? static_cast<double>(last.second - first->second) / span : 0;
    if (span > 0) {
      std::printf("  rate      %.4g tasks/s over %s %s", rate, s.state == "running" ? "the last" : "the run's",
                  duration(span).c_str());
      if (s.state == "running" && rate > 0) std::printf("; ETA %s", duration(static_cast<double>(s.pending()) / rate).c_str());
      std::printf("\n");
    }
  }
  if (!s.start_time_utc.empty()) {
    std::printf("  started   %s", s.start_time_utc.c_str());
    if (s.started_unix > 0) std::printf(" (%s ago)", duration(now - s.started_unix).c_str());
    std::printf("\n");
  }
  if (s.updated_unix > 0)
    std::printf("  flushed   %s ago (results up to then are durable; every %.3g s)\n",
                duration(now - s.updated_unix).c_str(), s.flush_interval_seconds);
  if (s.lost_ranks > 0) std::printf("  lost      %llu rank(s) during the run; their tasks ran elsewhere\n",
                                    static_cast<unsigned long long>(s.lost_ranks));
  if (s.exit_code >= 0) std::printf("  exit code %d\n", s.exit_code);
  for (const rank_activity& r : s.ranks) {
    std::printf("  rank %-4d %s: %llu tasks in %llu chunks, busy %.3g s", r.rank, r.host.c_str(),
                static_cast<unsigned long long>(r.tasks), static_cast<unsigned long long>(r.chunks), r.busy_seconds);
    if (r.chunks > 0 && s.started_unix > 0 && s.state == "running")
      std::printf(", last result %s ago", duration(std::max(0.0, now - s.started_unix - r.last_result_seconds)).c_str());
    std::printf("\n");
  }
}

int show_status(const status_args& args) {
  if (launcher_rank() != 0) return exit_ok;
  return run_reporting_errors("status", [&] {
    if (args.exit_code) {
      // For batch scripts: a launcher's own status can mislead after a lost rank.
      const run_status s = read_status(args.file);
      if (s.exit_code < 0) throw error(args.file + ": the run has not ended (or left no exit code)");
      return s.exit_code;
    }
    const bool clear = args.watch > 0 && isatty(STDOUT_FILENO);
    while (true) {
      const run_status s = read_status(args.file);
      if (clear) std::printf("\033[H\033[2J");
      if (args.json) {
        std::cout << s.to_json() << std::endl;
      } else {
        print_status(s, unix_now());
      }
      std::fflush(stdout);
      if (args.watch <= 0 || s.state != "running") return static_cast<int>(exit_ok);
      std::this_thread::sleep_for(std::chrono::duration<double>(args.watch));
      if (!clear) std::printf("\n");
    }
  });
}

}  // namespace

command add_status_command(CLI::App& cli) {
  auto args = std::make_shared<status_args>();
  auto* status = cli.add_subcommand("status", "How a run is doing, while it runs or after: tasks done, failed and "
                                              "pending, rate and ETA, per-rank activity, the last durable flush");
  status->add_option("file", args->file, "Run file (HDF5) of rankpool run; its status record is FILE.status.json")
      ->required();
  status->add_option("--watch", args->watch, "Refresh every SECONDS (default 2) until the run ends")
      ->expected(0, 1)
      ->default_str("2")
      ->check(CLI::Range(0.1, 3600.0));
  status->add_flag("--json", args->json, "Print the status record as JSON");
  status->add_flag("--exit-code", args->exit_code,
                   "Print nothing; exit with the ended run's own exit code (1 if it has not ended): what a batch "
                   "script judges a run by when the launcher's status misleads (srun exits 137 after a lost rank)");
  return {status, [args](int, char**) { return show_status(*args); }};
}

}  // namespace rankpool::cli
