#pragma once
/// The tasks rank 0 is running itself, durable against rank 0's own death: a small file
/// beside the run file (RUN.h5.running) mapped into memory, so recording a chunk costs a
/// few stores, and what they wrote survives the process (the kernel keeps a dead
/// process's page cache). A run that ends, however it ends, removes the file; a file
/// left behind names the tasks that were running when rank 0 died, the suspects a
/// resume runs alone first (docs/RELIABILITY.md).
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "rankpool/app.hpp"

namespace rankpool::detail {

class running_record {
 public:
  /// Creates (or empties) the record for the run file at `run_file_path`.
  explicit running_record(const std::string& run_file_path);
  ~running_record();  ///< removes the file: the run ended without rank 0 dying
  running_record(const running_record&) = delete;
  running_record& operator=(const running_record&) = delete;

  /// Rank 0 runs the tasks `spans` as the chunk `key` (any number, unique among running
  /// chunks). Thread-safe: rank 0's executor and its scheduler loop both run chunks.
  void start(std::uint64_t key, const std::vector<task_span>& spans) noexcept;
  void end(std::uint64_t key) noexcept;

  /// The tasks a record left by a dead run names (none when there is no record).
  static std::vector<task_span> left_by_dead_run(const std::string& run_file_path);
  static std::string path_for(const std::string& run_file_path) { return run_file_path + ".running"; }

 private:
  struct slot {
    std::uint64_t key_plus_one;  ///< 0: free
    std::uint64_t first;
    std::uint64_t end;
  };
  static constexpr std::size_t slot_count = 512;
  static constexpr std::size_t spans_per_chunk = 8;  ///< more are recorded as one covering span

  std::string path_;
  std::mutex mutex_;
  slot* slots_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace rankpool::detail
