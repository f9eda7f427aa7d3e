#pragma once
/// The run file's errors: every failing HDF5 call surfaces as one typed exception.
#include <string>

#include "rankpool/error.hpp"

namespace rankpool {

/// An HDF5 call failed; the message carries the call and the object it worked on.
class hdf5_error : public error {
 public:
  hdf5_error(std::string call, const std::string& detail) : error(call + " failed: " + detail), call_(std::move(call)) {}
  const std::string& call() const noexcept { return call_; }

 private:
  std::string call_;
};

}  // namespace rankpool
