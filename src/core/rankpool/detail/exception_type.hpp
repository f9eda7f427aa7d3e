#pragma once
/// Names the exception a task threw, for its failure record.
#include <string>

namespace rankpool::detail {

/// The demangled type of the exception being handled ("std::runtime_error", "int");
/// "unknown" outside a catch block or where the ABI cannot tell. Call it in a catch block.
std::string current_exception_type();

}  // namespace rankpool::detail
