#pragma once
/// What the driver hands the scheduler for one batch (a map, a submit, a map_reduce).
#include <cstdint>
#include <functional>
#include <string>

#include "rankpool/chunking.hpp"
#include "rankpool/codec.hpp"
#include "rankpool/detail/wire.hpp"

namespace rankpool::detail {

struct batch_spec {
  std::uint32_t task_id = 0;
  std::uint32_t reduction_id = wire::no_reduction;
  std::uint64_t count = 0;
  std::uint64_t index_base = 0;
  /// Appends the chunk's inputs, items [first, first+count), to its message
  /// (wire::encode_chunk_inputs); empty for index-range batches.
  std::function<void(std::uint64_t first, std::uint32_t count, byte_buffer& out)> encode_inputs;
  chunk_policy policy;
  int retries = 0;
  bool abort_on_error = true;
  /// Suspects: each item runs alone, not on rank 0 while another rank answers, as one
  /// that already took a rank down (one more loss fails it: docs/RELIABILITY.md).
  bool suspects = false;
  std::string suspicion;  ///< why, for the failure message of a second loss
};

}  // namespace rankpool::detail
