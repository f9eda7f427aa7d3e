#include "rankpool/task_failure.hpp"

#include "rankpool/environment.hpp"

namespace rankpool {

std::string task_failure::describe() const {
  return describe_rank(static_cast<int>(rank), static_cast<int>(ranks), host) + ": " + message;
}

}  // namespace rankpool
