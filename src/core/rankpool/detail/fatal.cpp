#include "rankpool/detail/fatal.hpp"

#include <cstdio>

namespace rankpool::detail {

void fatal(const environment& env, const std::string& who, const std::string& what) noexcept {
  std::fprintf(stderr, "rankpool: %s: fatal: %s\n", who.c_str(), what.c_str());
  std::fflush(stderr);
  env.abort(1);
}

}  // namespace rankpool::detail
