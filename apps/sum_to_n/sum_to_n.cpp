// sum_to_n: the classic CPU-bound demo. Task i adds up 1..n_i in a loop, with n_i
// spread over orders of magnitude, so task times differ by as much: a deliberately
// imbalanced batch for the scheduler to even out.
#include <rankpool/sweep_app.hpp>

#include <cmath>

#include "sum_to_n/kernel.hpp"

namespace {

/// Task i's n: swept or fixed, else n_min * (n_max / n_min)^(i / (tasks - 1)), evenly spaced in log n.
std::uint64_t n_of(const rankpool::task_context& t) {
  if (t.is_swept() || t.integer("n") > 0) return static_cast<std::uint64_t>(t.integer("n"));
  const auto n_min = static_cast<double>(t.integer("n_min"));
  const auto n_max = static_cast<double>(t.integer("n_max"));
  if (t.tasks() == 1) return static_cast<std::uint64_t>(n_min);
  const double at = static_cast<double>(t.index()) / static_cast<double>(t.tasks() - 1);
  return static_cast<std::uint64_t>(std::llround(n_min * std::pow(n_max / n_min, at)));
}

/// The task's n, and the sum as the run file stores it: two 64-bit words.
struct sums {
  std::uint64_t n;
  std::uint64_t sum;
  std::uint64_t sum_high;
};

sums sum_up(const rankpool::task_context& t) {
  const std::uint64_t n = n_of(t);
  const sum_to_n::uint128 total = sum_to_n::sum_to(n);
  return {n, static_cast<std::uint64_t>(total), static_cast<std::uint64_t>(total >> 64)};
}

constexpr double max_n = static_cast<double>(sum_to_n::max_n);

const bool registered =
    rankpool::sweep_app("sum_to_n",
                        "CPU-bound demo: task i sums 1..n_i in a loop, n_i log-spread from n_min to n_max (or swept): "
                        "a deliberately imbalanced batch")
        .param("n_min", 1000, "smallest n of the spread", 1, max_n)
        .param("n_max", 1000000000, "largest n of the spread", 1, max_n)
        .param("tasks", 16, "tasks of the spread", 1, 1e9)
        .param("n", 0, "n of one task (0 = use the spread); sweep it for one task per value", 0, max_n)
        .sweepable({"n"})
        .check([](const rankpool::params& p) {
          if (p.integer("n_min") > p.integer("n_max")) p.reject("n_max", "must be at least n_min");
        })
        .result("n", "the n task i summed up to")
        .result("sum", "1 + 2 + ... + n, low 64 bits")
        .result("sum_high", "1 + 2 + ... + n, high 64 bits (0 up to n = 6074000999)")
        .cost([](const rankpool::task_context& t) { return static_cast<double>(n_of(t)); })
        .kernel(sum_up);

}  // namespace
