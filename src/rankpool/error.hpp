#pragma once
/// Typed exceptions: every MPI and HDF5 failure names the call that failed.
#include <cstdint>
#include <stdexcept>
#include <string>

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

/// An HDF5 call failed; the message carries the call and the object it worked on.
class hdf5_error : public error {
 public:
  hdf5_error(std::string call, const std::string& detail);
  const std::string& call() const noexcept { return call_; }

 private:
  std::string call_;
};

/// Bad input from the user (job file, flag, parameter): maps to exit code 2, nothing run.
class usage_error : public error {
 public:
  using error::error;
};

/// A task failed on every attempt. Carries where it ran and what it threw.
class task_error : public error {
 public:
  task_error(std::uint64_t index, const std::string& message)
      : error(message), index_(index) {}
  std::uint64_t index() const noexcept { return index_; }

 private:
  std::uint64_t index_;
};

/// The run was stopped by a signal before all tasks ran; the output is resumable.
class interrupted : public error {
 public:
  using error::error;
};

}  // namespace rankpool
