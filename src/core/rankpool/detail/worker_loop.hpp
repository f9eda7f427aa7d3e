#pragma once
/// The executor loop of ranks > 0.
#include "rankpool/detail/executor.hpp"
#include "rankpool/detail/task_table.hpp"
#include "rankpool/environment.hpp"

namespace rankpool::detail {

/// Runs chunks from rank 0 and sends their results back until rank 0 says stop; returns
/// whether rank 0 lost a rank during the run (MPI_Finalize may then hang: see
/// environment::expect_lost_peers). Throws on an infrastructure error (an MPI call, a
/// malformed message); the caller makes it fatal.
bool serve(const environment& env, const task_table& table, const executor_identity& self);

}  // namespace rankpool::detail
