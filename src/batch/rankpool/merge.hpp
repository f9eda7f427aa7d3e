#pragma once
/// `rankpool merge`: the run files of one job's parts (the shards of a SLURM job
/// array, `rankpool run --shard K/N`) into one file with the layout of a single run.
///
/// Every part must record the same job (app, parameters, sweep) and no task may be
/// finished (done or failed) in two parts. Each task's status, attempts, failure
/// record and results come from the part that finished it; the chunk timelines are
/// concatenated, /chunks/source naming each chunk's part. Tasks no part finished stay
/// pending: `rankpool run JOB --out MERGED --resume` runs them.
#include <cstdint>
#include <string>
#include <vector>

namespace rankpool {

struct merge_summary {
  std::string app;
  std::string output;
  std::uint64_t parts = 0;
  std::uint64_t tasks = 0;
  std::uint64_t done = 0;
  std::uint64_t failed = 0;
  std::uint64_t pending = 0;

  std::string to_json() const;
  /// exit_ok when every task is done, exit_tasks_failed (like a run with failed tasks) otherwise.
  int exit_status() const;
};

/// Writes `output` from `parts`; throws usage_error (before `output` exists) for a
/// missing, unreadable or foreign part, parts of different jobs, a task finished in two
/// parts, or an output that exists without `force` or cannot be written. The file
/// appears under its name only once complete.
merge_summary merge_runs(const std::string& output, const std::vector<std::string>& parts, bool force);

}  // namespace rankpool
