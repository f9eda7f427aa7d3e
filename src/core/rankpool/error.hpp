#pragma once
/// Typed exceptions of the engine: an MPI failure names the call, a task failure
/// where it ran. (The run file's HDF5 errors: rankpool/hdf5_error.hpp.)
#include <cstdint>
#include <stdexcept>
#include <memory>
#include <string>

#include "rankpool/task_failure.hpp"

namespace rankpool {

/// Base of every exception rankpool throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An MPI call returned an error code (the world communicator uses MPI_ERRORS_RETURN).
class mpi_error : public error {
 public:
  mpi_error(std::string call, int code);
  const std::string& call() const noexcept { return call_; }
  int code() const noexcept { return code_; }

 private:
  std::string call_;
  int code_;
};

/// Bad input from the user (job file, flag, parameter): maps to exit code 2, nothing run.
class usage_error : public error {
 public:
  using error::error;
};

/// A task failed on every attempt: its failure's fields (index, rank, host, attempts,
/// exception type and message) and how many more tasks of the batch failed. what()
/// reads "task I failed[ after N attempts]: Worker R of N on HOST: MESSAGE[ (and K more)]".
class task_error : public error {
 public:
  task_error(task_failure failure, std::uint64_t more);
  /// No task failed, yet the batch did not complete: `message` says why (tasks cancelled).
  task_error(std::uint64_t index, const std::string& message);

  std::uint64_t index() const noexcept { return failure_->index; }
  std::uint32_t rank() const noexcept { return failure_->rank; }
  const std::string& host() const noexcept { return failure_->host; }
  std::uint32_t attempts() const noexcept { return failure_->attempts; }
  /// The exception's type, demangled ("std::runtime_error"); empty if no task failed.
  const std::string& type() const noexcept { return failure_->type; }
  /// The task exception's own what().
  const std::string& message() const noexcept { return failure_->message; }
  /// Further tasks of the same batch that failed.
  std::uint64_t more() const noexcept { return more_; }
  const task_failure& failure() const noexcept { return *failure_; }

 private:
  std::shared_ptr<const task_failure> failure_;  // shared: copying an exception must not throw
  std::uint64_t more_ = 0;
};

}  // namespace rankpool
