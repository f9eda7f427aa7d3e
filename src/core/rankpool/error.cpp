#include "rankpool/error.hpp"

#include <mpi.h>

namespace rankpool {
namespace {
std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "unknown MPI error";
  return std::string(text, static_cast<std::size_t>(length));
}
}  // namespace

mpi_error::mpi_error(std::string call, int code)
    : error(call + " failed: " + mpi_error_text(code)), call_(std::move(call)), code_(code) {}

}  // namespace rankpool
