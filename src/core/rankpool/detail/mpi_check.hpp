#pragma once
#include <mpi.h>

#include "rankpool/error.hpp"

namespace rankpool::detail {

/// Turns an MPI return code into rankpool::mpi_error naming the call.
inline void mpi_check(int rc, const char* call) {
  if (rc != MPI_SUCCESS) throw mpi_error(call, rc);
}

}  // namespace rankpool::detail
