#pragma once
/// A task that failed its last attempt, as the driver sees it.
#include <cstdint>
#include <string>

namespace rankpool {

/// Which task failed, where it ran, how often it was tried, and what it threw.
struct task_failure {
  std::uint64_t index = 0;    ///< the task's position in its batch
  std::uint32_t rank = 0;     ///< the rank that ran the last attempt
  std::uint32_t ranks = 1;    ///< ranks in the job (the N of "Worker R of N")
  std::string host;           ///< that rank's host
  std::uint32_t attempts = 1;
  std::string type;           ///< the exception's type, demangled ("std::runtime_error")
  std::string message;        ///< its what() ("unknown exception" for a non-std exception)

  /// "Worker R of N on HOST: MESSAGE": the one-line form stored in run files.
  std::string describe() const;
};

}  // namespace rankpool
