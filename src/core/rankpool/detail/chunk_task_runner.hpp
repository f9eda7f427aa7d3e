#pragma once
/// Runs a chunk task (pool::define_chunk_task): one call for the whole chunk.
#include <chrono>
#include <exception>
#include <vector>

#include "rankpool/chunk_task.hpp"
#include "rankpool/detail/chunk_runner.hpp"
#include "rankpool/detail/exception_type.hpp"
#include "rankpool/detail/task_table.hpp"
#include "rankpool/detail/wire.hpp"
#include "rankpool/error.hpp"

namespace rankpool::detail {

template <class Fn>
class chunk_task_runner {
 public:
  explicit chunk_task_runner(Fn fn) : fn_(std::move(fn)) {}

  void operator()(const chunk_input& in, chunk_output& out, const exec_context&) const {
    const std::uint32_t n = in.chunk.header.count;
    if (in.reduction) throw error("rankpool: a chunk task's results cannot be reduced");
    std::vector<byte_view> inputs;
    inputs.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (!in.chunk.has_inputs()) throw error("rankpool: a chunk task takes explicit inputs, not an index range");
      inputs.push_back(in.chunk.input(i));
    }
    chunk_items items(in.chunk.header.first, std::move(inputs));
    const auto started = std::chrono::steady_clock::now();
    try {
      fn_(items);
    } catch (const std::exception& e) {
      fail_unfinished(items, current_exception_type(), e.what());
    } catch (...) {
      fail_unfinished(items, current_exception_type(), "unknown exception");
    }
    // One call for the chunk: the rank's other threads stay idle (the kernel may use them).
    out.threads_used = 1;
    out.busy_seconds = seconds_since(started);
    out.failures.clear();
    out.failed_flags.clear();
    if (!items.failures().empty()) {
      out.failed_flags = items.failed_flags();
      for (const auto& f : items.failures()) out.failures.push_back(wire::failure_record{f.item, f.type, f.message});
    }
    out.layout = wire::variable_results;
    out.item_bytes = 0;
    wire::encode_variable_results(items.results(), out.body);
  }

 private:
  /// The kernel threw out of the chunk: every item it had not failed fails with that.
  static void fail_unfinished(chunk_items& items, const std::string& type, const std::string& message) {
    for (std::uint32_t i = 0; i < items.size(); ++i)
      if (!items.failed(i)) items.fail(i, type, message);
  }

  Fn fn_;
};

}  // namespace rankpool::detail
