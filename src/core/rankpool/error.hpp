#pragma once
/// Typed exceptions of the engine: an MPI failure names the call, a task failure
/// where it ran. (The run file's HDF5 errors: rankpool/hdf5_error.hpp.)
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

}  // namespace rankpool
