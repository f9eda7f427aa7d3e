// sum_to_n: the classic CPU-bound demo. Task i adds up 1..n_i in a loop, with n_i
// spread over orders of magnitude, so task times differ by as much: a deliberately
// imbalanced batch for the scheduler to even out.
#include <rankpool/app.hpp>
#include <rankpool/run.hpp>

#include <cmath>

#include "sum_to_n/kernel.hpp"

namespace {

/// A 128-bit sum as two words, the way the run file stores it.
struct sum128 {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
};

class sum_to_n_app final : public rankpool::app {
 public:
  explicit sum_to_n_app(const rankpool::params& p)
      : params_(p),
        n_min_(static_cast<double>(p.integer("n_min"))),
        n_max_(static_cast<double>(p.integer("n_max"))),
        fixed_n_(static_cast<std::uint64_t>(p.integer("n"))) {
    if (const auto* sweep = p.sweep()) {
      for (const auto& axis : sweep->axes)
        if (axis.name != "n") p.reject(axis.name, "only n can be swept (one task per value)");
      tasks_ = p.combinations();
    } else {
      tasks_ = fixed_n_ > 0 ? 1 : static_cast<std::uint64_t>(p.integer("tasks"));
    }
    if (n_min_ > n_max_) p.reject("n_max", "must be at least n_min");
  }

  void define_tasks(rankpool::pool& pool) override {
    sum_ = pool.define_task("sum_to_n.sum", [this](std::uint64_t i) {
      const sum_to_n::uint128 total = sum_to_n::sum_to(n_of(i));
      return sum128{static_cast<std::uint64_t>(total), static_cast<std::uint64_t>(total >> 64)};
    });
  }

  std::uint64_t task_count() const override { return tasks_; }

  void create_results(rankpool::run_file& file) override {
    file.create_dataset<std::uint64_t>("/results/n", {tasks_}, 0);
    file.set_attribute("/results/n", "meaning", std::string("the n task i summed up to"));
    file.create_dataset<std::uint64_t>("/results/sum", {tasks_}, 0);
    file.set_attribute("/results/sum", "meaning", std::string("1 + 2 + ... + n, low 64 bits"));
    file.create_dataset<std::uint64_t>("/results/sum_high", {tasks_}, 0);
    file.set_attribute("/results/sum_high", "meaning", std::string("1 + 2 + ... + n, high 64 bits (0 up to n = 6074000999)"));
  }

  void run(rankpool::job_context& ctx) override {
    auto& n = ctx.results_column<std::uint64_t>("/results/n");
    auto& low = ctx.results_column<std::uint64_t>("/results/sum");
    auto& high = ctx.results_column<std::uint64_t>("/results/sum_high");
    ctx.run_tasks(sum_, [&](std::uint64_t i, const sum128& s) {
      n.set(i, n_of(i));
      low.set(i, s.low);
      high.set(i, s.high);
    });
  }

 private:
  /// Swept or fixed n, else n_min * (n_max / n_min)^(i / (tasks - 1)): evenly spaced in log n.
  std::uint64_t n_of(std::uint64_t i) const {
    if (params_.sweep()) return static_cast<std::uint64_t>(params_.combination(i).integer("n"));
    if (fixed_n_ > 0) return fixed_n_;
    if (tasks_ == 1) return static_cast<std::uint64_t>(n_min_);
    const double t = static_cast<double>(i) / static_cast<double>(tasks_ - 1);
    return static_cast<std::uint64_t>(std::llround(n_min_ * std::pow(n_max_ / n_min_, t)));
  }

  rankpool::params params_;
  double n_min_;
  double n_max_;
  std::uint64_t fixed_n_;
  std::uint64_t tasks_ = 0;
  rankpool::task<sum128(std::uint64_t)> sum_;
};

rankpool::app_info sum_to_n_info() {
  using namespace rankpool;
  constexpr double max_n = static_cast<double>(sum_to_n::max_n);
  return {"sum_to_n",
          "CPU-bound demo: task i sums 1..n_i in a loop, n_i log-spread from n_min to n_max (or swept): "
          "a deliberately imbalanced batch",
          {integer_param("n_min", 1000, "smallest n of the spread", 1, max_n),
           integer_param("n_max", 1000000000, "largest n of the spread", 1, max_n),
           integer_param("tasks", 16, "tasks of the spread", 1, 1e9),
           integer_param("n", 0, "n of one task (0 = use the spread); sweep it for one task per value", 0, max_n)},
          [](const params& p) { return std::make_unique<sum_to_n_app>(p); }};
}

}  // namespace

RANKPOOL_REGISTER_APP(sum_to_n_info());
