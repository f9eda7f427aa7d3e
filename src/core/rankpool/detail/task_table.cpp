#include "rankpool/detail/task_table.hpp"

#include "rankpool/error.hpp"

namespace rankpool::detail {

const task_entry& task_table::task(std::uint32_t id) const {
  if (id >= tasks_.size()) throw error("rankpool: chunk names task id " + std::to_string(id) + ", table has " +
                                       std::to_string(tasks_.size()));
  return tasks_[id];
}

const reduction_entry& task_table::reduction(std::uint32_t id) const {
  if (id >= reductions_.size()) throw error("rankpool: chunk names an unknown reduction id " + std::to_string(id));
  return reductions_[id];
}

std::uint64_t task_table::fingerprint() const {
  // FNV-1a over names in order; a separator keeps ("ab","c") apart from ("a","bc").
  std::uint64_t hash = 1469598103934665603ull;
  auto mix = [&hash](const std::string& text) {
    for (unsigned char c : text + '\x1f') hash = (hash ^ c) * 1099511628211ull;
  };
  for (const auto& t : tasks_) mix("t:" + t.name);
  for (const auto& r : reductions_) mix("r:" + r.name);
  return hash;
}

}  // namespace rankpool::detail
