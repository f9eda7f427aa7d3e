#pragma once
/// The type-erased table of tasks every rank builds in the same order.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include "rankpool/codec.hpp"
#include "rankpool/detail/wire.hpp"

namespace rankpool::detail {

struct reduction_entry {
  std::string name;
  std::type_index type;
  std::shared_ptr<const void> op;  ///< points to std::function<T(const T&, const T&)>
};

/// One chunk as the executor sees it.
struct chunk_input {
  wire::chunk_view chunk;
  const reduction_entry* reduction = nullptr;
};

/// What running a chunk produced; the body holds the result bytes in wire layout.
struct chunk_output {
  std::uint32_t layout = 0;
  std::uint32_t item_bytes = 0;
  std::uint32_t threads_used = 1;
  double busy_seconds = 0;
  std::vector<std::uint8_t> failed_flags;      ///< count entries when an item failed
  std::vector<wire::failure_record> failures;  ///< one per failed item
  byte_buffer body;
};

/// Where the chunk runs: its thread budget.
struct exec_context {
  int threads = 1;
};

struct task_entry {
  std::string name;
  std::function<void(const chunk_input&, chunk_output&, const exec_context&)> run;
};

class task_table {
 public:
  std::uint32_t add_task(task_entry entry) {
    tasks_.push_back(std::move(entry));
    return static_cast<std::uint32_t>(tasks_.size() - 1);
  }
  std::uint32_t add_reduction(reduction_entry entry) {
    reductions_.push_back(std::move(entry));
    return static_cast<std::uint32_t>(reductions_.size() - 1);
  }
  const task_entry& task(std::uint32_t id) const;
  const reduction_entry& reduction(std::uint32_t id) const;
  /// Hash of names and order: ranks whose tables differ refuse to start.
  std::uint64_t fingerprint() const;

 private:
  std::vector<task_entry> tasks_;
  std::vector<reduction_entry> reductions_;
};

}  // namespace rankpool::detail
