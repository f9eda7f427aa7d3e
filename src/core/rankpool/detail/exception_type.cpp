#include "rankpool/detail/exception_type.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace rankpool::detail {

std::string current_exception_type() {
  // The Itanium ABI (GCC, Clang) knows the thrown object's type even in catch (...),
  // where typeid cannot reach it.
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (!type) return "unknown";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type->name(), nullptr, nullptr, &status),
                                              std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type->name());
}

}  // namespace rankpool::detail
