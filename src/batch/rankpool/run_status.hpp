#pragma once
/// The status record of a run: a small JSON file beside the run file (RUN.h5 ->
/// RUN.h5.status.json) that rank 0 replaces atomically (write, then rename) at every
/// flush. `rankpool status` reads it while the run writes its HDF5 file, which no other
/// process can read safely mid-write (the run file is not SWMR); a reader sees the
/// previous record or the next, never a torn one, and the run never waits for a reader.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rankpool {

/// What one rank has done in this run.
struct rank_activity {
  int rank = 0;
  std::string host;
  std::uint64_t chunks = 0;
  std::uint64_t tasks = 0;
  double busy_seconds = 0;       ///< thread-seconds inside tasks
  double last_result_seconds = 0;  ///< when its latest chunk ended, seconds since the run started
};

struct run_status {
  std::string app;
  std::string output;
  std::string state = "running";  ///< running, interrupted, complete or failed
  std::uint64_t tasks = 0;        ///< the tasks this file is responsible for (a shard's, or the job's)
  std::uint64_t done = 0;         ///< with a durable result, earlier runs' included
  std::uint64_t failed = 0;
  std::string start_time_utc;
  double started_unix = 0;  ///< this run's start, seconds since the epoch
  double updated_unix = 0;  ///< this record's last flush
  double flush_interval_seconds = 1;
  std::int64_t pid = 0;  ///< rank 0's process
  std::string host;      ///< rank 0's host
  /// (seconds since the run started, tasks done by then) at recent flushes: the rate.
  std::vector<std::pair<double, std::uint64_t>> history;
  std::vector<rank_activity> ranks;
  /// The run's exit code once it ended (-1 while it runs): what to judge a run by when a
  /// launcher reports something else (srun exits 137 after a lost rank).
  int exit_code = -1;
  std::uint64_t lost_ranks = 0;

  std::uint64_t pending() const { return tasks >= done + failed ? tasks - done - failed : 0; }
  std::string to_json() const;
  /// Throws usage_error naming `where` for text that is not a status record.
  static run_status from_json(const std::string& text, const std::string& where);
  /// Writes `path`.tmp, then renames it over `path`.
  void write_atomically(const std::string& path) const;
};

/// Where the status record of the run file at `run_file_path` lives.
std::string status_record_path(const std::string& run_file_path);

}  // namespace rankpool
