#pragma once
/// Driver-side bookkeeping of one batch (a map, a submit, a map_reduce).
#include <cstdint>
#include <functional>
#include <vector>

#include "rankpool/task_failure.hpp"

namespace rankpool::detail {

struct completion;

struct batch_state {
  std::uint64_t count = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t cancelled = 0;
  bool finished = false;
  std::vector<task_failure> failures;
  /// Typed handling of a chunk's results (decode, store, call back).
  std::function<void(const completion&)> on_chunk;
  /// Called once, after the last chunk.
  std::function<void()> on_finished;
};

}  // namespace rankpool::detail
