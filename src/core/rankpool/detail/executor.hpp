#pragma once
/// Turning a chunk message into a result message: the one code path every rank
/// (rank 0's local executor included) runs chunks through.
#include <chrono>
#include <string>

#include "rankpool/detail/task_table.hpp"
#include "rankpool/detail/wire.hpp"

namespace rankpool::detail {

struct executor_identity {
  std::uint32_t rank = 0;
  exec_context context;
  std::chrono::steady_clock::time_point epoch;  ///< aligned across ranks by a barrier at start
  std::string where;                            ///< "Worker r of N on host", for fatal errors
};

/// Caps the OpenMP threads of kernels started on the calling thread at the rank's budget.
void limit_kernel_threads(const executor_identity& self);

/// Runs the chunk in `message` and writes the result message into `reply`.
void execute_chunk(const task_table& table, byte_view message, byte_buffer& reply, const executor_identity& self,
                   chunk_output& scratch);

}  // namespace rankpool::detail
