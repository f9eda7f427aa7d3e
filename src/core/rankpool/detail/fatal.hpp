#pragma once
/// The way out of an infrastructure error (an MPI call failing, a malformed message):
/// one rank's failure ends the whole job at once instead of leaving the others waiting.
#include <exception>
#include <string>

#include "rankpool/environment.hpp"

namespace rankpool::detail {

/// Prints `rankpool: <who>: fatal: <what>` and aborts every rank (environment::abort).
[[noreturn]] void fatal(const environment& env, const std::string& who, const std::string& what) noexcept;

/// Runs `body`; any exception escaping it is fatal.
template <class Body>
void fatal_on_exception(const environment& env, const std::string& who, Body&& body) noexcept {
  try {
    body();
  } catch (const std::exception& e) {
    fatal(env, who, e.what());
  } catch (...) {
    fatal(env, who, "unknown exception");
  }
}

}  // namespace rankpool::detail
