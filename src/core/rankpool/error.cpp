#include "rankpool/error.hpp"

#include <mpi.h>

namespace rankpool {
namespace {
std::string describe_task_error(const task_failure& f, std::uint64_t more) {
  std::string text = "task " + std::to_string(f.index) + " failed";
  if (f.attempts > 1) text += " after " + std::to_string(f.attempts) + " attempts";
  text += ": " + f.describe();
  if (more > 0) text += " (and " + std::to_string(more) + " more)";
  return text;
}

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "unknown MPI error";
  return std::string(text, static_cast<std::size_t>(length));
}
}  // namespace

mpi_error::mpi_error(std::string call, int code)
    : error(call + " failed: " + mpi_error_text(code)), call_(std::move(call)), code_(code) {}

task_error::task_error(task_failure failure, std::uint64_t more)
    : error(describe_task_error(failure, more)),
      failure_(std::make_shared<const task_failure>(std::move(failure))),
      more_(more) {}

task_error::task_error(std::uint64_t index, const std::string& message)
    : error(message),
      failure_(std::make_shared<const task_failure>(task_failure{.index = index, .attempts = 0, .message = message})) {}

}  // namespace rankpool
