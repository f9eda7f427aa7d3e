#pragma once
/// Runs one chunk's items on the rank's OpenMP threads, for a concrete task type.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include "rankpool/detail/crash_reporter.hpp"
#include "rankpool/detail/exception_type.hpp"
#include "rankpool/detail/task_table.hpp"
#include "rankpool/detail/wire.hpp"

namespace rankpool::detail {

inline double seconds_since(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

template <class Result, class Arg, class Fn>
class typed_chunk_runner {
 public:
  explicit typed_chunk_runner(Fn fn) : fn_(std::move(fn)) {}

  void operator()(const chunk_input& in, chunk_output& out, const exec_context& ctx) const {
    const std::uint32_t n = in.chunk.header.count;
    const int threads = std::max(1, std::min<int>(ctx.threads, static_cast<int>(n)));
    out.threads_used = static_cast<std::uint32_t>(threads);
    out.failed_flags.clear();
    out.failures.clear();
    if (in.reduction) {
      run_reduction(in, out, threads);
    } else if constexpr (codec<Result>::fixed_size) {
      const wire::fixed_results_writer<Result> results(n, out.body);
      out.layout = results.layout;
      out.item_bytes = results.item_bytes;
      out.busy_seconds = for_each_item(in, out, threads, [&](std::uint32_t i, Result&& r) { results.set(i, r); });
    } else {
      out.layout = wire::variable_results;
      out.item_bytes = 0;
      std::vector<byte_buffer> items(n);
      out.busy_seconds = for_each_item(in, out, threads,
                                       [&](std::uint32_t i, Result&& r) { codec<Result>::encode(r, items[i]); });
      wire::encode_variable_results(items, out.body);
    }
  }

 private:
  Result call(const wire::chunk_view& chunk, std::uint32_t i) const {
    using input_type = std::decay_t<Arg>;
    if constexpr (std::is_integral_v<input_type>) {
      if (!chunk.has_inputs()) return fn_(static_cast<input_type>(chunk.header.index_base + chunk.header.first + i));
    }
    if (!chunk.has_inputs())
      throw error("rankpool: an index-range chunk reached a task that takes a non-integer input");
    return fn_(codec<input_type>::decode(chunk.input(i)));
  }

  /// Calls the task for every item; sink(i, result) stores a success. Returns busy thread-seconds.
  template <class Sink>
  double for_each_item(const chunk_input& in, chunk_output& out, int threads, Sink&& sink) const {
    const std::uint32_t n = in.chunk.header.count;
    auto run_item = [&](std::uint32_t i) {
      set_running_item(i);  // a crash report names the item (crash_reporter.hpp)
      try {
        sink(i, call(in.chunk, i));
      } catch (const std::exception& e) {
        record_failure(out, n, wire::failure_record{i, current_exception_type(), e.what()});
      } catch (...) {
        record_failure(out, n, wire::failure_record{i, current_exception_type(), "unknown exception"});
      }
    };
    if (threads == 1) {
      // Without a parallel region: even an inactive one with a dynamic loop costs as
      // much as a short chunk's whole round trip (benchmarks/internals).
      const auto started = std::chrono::steady_clock::now();
      for (std::uint32_t i = 0; i < n; ++i) run_item(i);
      return seconds_since(started);
    }
    const auto grain = static_cast<int>(std::max<std::uint32_t>(1, n / (static_cast<std::uint32_t>(threads) * 16)));
    double busy = 0;
#pragma omp parallel num_threads(threads) reduction(+ : busy)
    {
      const auto started = std::chrono::steady_clock::now();
#pragma omp for schedule(dynamic, grain) nowait
      for (std::int64_t item = 0; item < static_cast<std::int64_t>(n); ++item) run_item(static_cast<std::uint32_t>(item));
      busy += seconds_since(started);
    }
    return busy;
  }

  void run_reduction(const chunk_input& in, chunk_output& out, int threads) const {
    if (in.reduction->type != typeid(Result))
      throw error("reduction '" + in.reduction->name + "' does not fold this task's result type");
    const auto& op = *static_cast<const std::function<Result(const Result&, const Result&)>*>(in.reduction->op.get());
    std::vector<std::optional<Result>> partial(static_cast<std::size_t>(threads));
    out.busy_seconds = for_each_item(in, out, threads, [&](std::uint32_t, Result&& r) {
      auto& mine = partial[static_cast<std::size_t>(omp_get_thread_num())];
      mine = mine ? op(*mine, r) : std::move(r);
    });
    std::optional<Result> total;
    for (auto& p : partial)
      if (p) total = total ? op(*total, *p) : std::move(*p);
    out.layout = wire::reduced_result;
    out.item_bytes = 0;
    wire::encode_reduced_result(total, out.body);
  }

  static void record_failure(chunk_output& out, std::uint32_t n, wire::failure_record failure) {
    // A std::mutex, not `omp critical`: ThreadSanitizer (with libomp's Archer) took the
    // critical section for a lock still held after it was left, and reported an
    // inversion with the scheduler's progress mutex when rank 0 ran a failing chunk.
    static std::mutex failures;
    std::lock_guard lock(failures);
    if (out.failed_flags.empty()) out.failed_flags.assign(n, 0);
    out.failed_flags[failure.item] = 1;
    out.failures.push_back(std::move(failure));
  }

  Fn fn_;
};

}  // namespace rankpool::detail
