#pragma once
/// What a chunk task (pool::define_chunk_task) sees: every item of one chunk at once.
///
/// For kernels that cost per call rather than per item: an interpreter entered once per
/// chunk (rankpool's Python package), a vectorised or offloaded kernel. Inputs and
/// results are bytes; the kernel encodes its own values. Each item ends with a result or
/// a failure; the engine's retries, error policy and quarantine treat them like the items
/// of any other task.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rankpool/codec.hpp"
#include "rankpool/detail/crash_reporter.hpp"

namespace rankpool {

class chunk_items {
 public:
  /// One failed item: its exception's type and message, as a task_failure will show them.
  struct failure {
    std::uint32_t item = 0;
    std::string type;
    std::string message;
  };

  chunk_items(std::uint64_t first, std::vector<byte_view> inputs)
      : first_(first), inputs_(std::move(inputs)), results_(inputs_.size()), failed_(inputs_.size(), 0) {}

  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(inputs_.size()); }
  /// Item i's position in its batch (the index its result is delivered under).
  std::uint64_t position(std::uint32_t i) const noexcept { return first_ + i; }
  /// Item i's input bytes: a view into the chunk message, valid while the kernel runs.
  byte_view input(std::uint32_t i) const { return inputs_.at(i); }

  /// Call before running item i: a crash from now on is blamed on it, so that the item,
  /// not the whole chunk, is quarantined (docs/RELIABILITY.md).
  void start(std::uint32_t i) const noexcept { detail::set_running_item(i); }
  /// Item i's result bytes, to fill in (empty until written).
  byte_buffer& result(std::uint32_t i) { return results_.at(i); }
  /// Item i failed: the engine retries it or reports it by the batch's error policy.
  void fail(std::uint32_t i, std::string type, std::string message) {
    if (failed_.at(i)) return;
    failed_[i] = 1;
    results_[i].clear();
    failures_.push_back({i, std::move(type), std::move(message)});
  }
  bool failed(std::uint32_t i) const { return failed_.at(i) != 0; }

  const std::vector<byte_buffer>& results() const noexcept { return results_; }
  const std::vector<failure>& failures() const noexcept { return failures_; }
  /// One byte per item, non-zero where it failed.
  const std::vector<std::uint8_t>& failed_flags() const noexcept { return failed_; }

 private:
  std::uint64_t first_;
  std::vector<byte_view> inputs_;
  std::vector<byte_buffer> results_;
  std::vector<std::uint8_t> failed_;
  std::vector<failure> failures_;
};

}  // namespace rankpool
