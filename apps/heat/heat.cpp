// heat: the 2D heat equation on the unit square, one simulation per task (one per
// combination of a [sweep] over alpha, n, steps and dt), each checked against the
// exact solution.
#include <rankpool/app.hpp>
#include <rankpool/run.hpp>

#include <limits>
#include <optional>
#include <sstream>

#include "heat/kernel.hpp"

namespace {

constexpr double memory_limit_bytes = 8e9;

class heat_app final : public rankpool::app {
 public:
  // Every combination is checked here, so a bad one stops the job before any rank works.
  explicit heat_app(const rankpool::params& p) : params_(p) {
    for (std::uint64_t i = 0; i < p.combinations(); ++i) problem_of(i);
  }

  void define_tasks(rankpool::pool& pool) override {
    simulate_ = pool.define_task("heat.simulate", [this](std::uint64_t i) { return heat::simulate(problem_of(i)); });
  }

  std::uint64_t task_count() const override { return params_.combinations(); }
  /// Grid points x steps: a sweep over n and steps runs its biggest grids first.
  std::optional<double> task_cost(std::uint64_t i) const override {
    const rankpool::params p = params_.combination(i);
    const auto n = static_cast<double>(p.integer("n"));
    return n * n * static_cast<double>(p.integer("steps"));
  }

  void create_results(rankpool::run_file& file) override {
    const double not_run = std::numeric_limits<double>::quiet_NaN();
    file.create_dataset<double>("/results/error", {task_count()}, not_run);
    file.set_attribute("/results/error", "meaning",
                       std::string("max over grid nodes of |u - exp(-2 pi^2 alpha t) sin(pi x) sin(pi y)| at t = steps dt"));
    file.create_dataset<double>("/results/centre", {task_count()}, not_run);
    file.set_attribute("/results/centre", "meaning", std::string("u(0.5, 0.5) at t = steps dt (bilinear when n is odd)"));
    file.create_dataset<double>("/results/time", {task_count()}, not_run);
    file.set_attribute("/results/time", "meaning", std::string("t = steps dt, the time simulated"));
  }

  void run(rankpool::job_context& ctx) override {
    auto& error = ctx.results_column<double>("/results/error");
    auto& centre = ctx.results_column<double>("/results/centre");
    auto& time = ctx.results_column<double>("/results/time");
    ctx.run_tasks(simulate_, [&](std::uint64_t i, const heat::outcome& o) {
      const heat::problem p = problem_of(i);
      error.set(i, o.error);
      centre.set(i, o.centre);
      time.set(i, static_cast<double>(p.steps) * p.dt);
    });
  }

 private:
  /// The simulation of task i, or a rejection naming the parameter that makes it impossible.
  heat::problem problem_of(std::uint64_t i) const {
    const rankpool::params p = params_.combination(i);
    heat::problem problem;
    problem.alpha = p.real("alpha");
    problem.n = static_cast<std::uint32_t>(p.integer("n"));
    problem.steps = static_cast<std::uint64_t>(p.integer("steps"));
    problem.dt = p.real("dt");
    const std::string which = params_.sweep() ? " (sweep combination " + std::to_string(i) + ")" : "";
    if (problem.alpha <= 0) p.reject("alpha", "must be positive" + which);
    if (problem.dt <= 0) p.reject("dt", "must be positive" + which);
    if (heat::grid_bytes(problem.n) > memory_limit_bytes)
      p.reject("n", "n = " + std::to_string(problem.n) + " needs " + gigabytes(heat::grid_bytes(problem.n)) +
                        " GB for its two grids; the limit is " + gigabytes(memory_limit_bytes) + " GB" + which);
    // The stability bound is exact for this scheme; 1e-12 forgives a bound typed in decimal.
    const double bound = heat::stable_dt(problem.alpha, problem.n);
    if (problem.dt > bound * (1 + 1e-12)) {
      std::ostringstream reason;
      reason.precision(6);
      reason << "dt = " << problem.dt << " is unstable: explicit steps need dt <= h^2 / (4 alpha) = " << bound
             << " for n = " << problem.n << " (h = 1/n), alpha = " << problem.alpha << which;
      p.reject("dt", reason.str());
    }
    return problem;
  }

  static std::string gigabytes(double bytes) {
    std::ostringstream text;
    text.precision(3);
    text << bytes / 1e9;
    return text.str();
  }

  rankpool::params params_;
  rankpool::task<heat::outcome(std::uint64_t)> simulate_;
};

rankpool::app_info heat_info() {
  using namespace rankpool;
  return {"heat",
          "2D heat equation on the unit square (explicit 5-point stencil), one simulation per task, "
          "checked against the exact solution; sweep alpha, n, steps, dt",
          {real_param("alpha", 1.0, "diffusivity", 0, 1e6),
           integer_param("n", 64, "grid intervals per side: (n+1)^2 nodes, h = 1/n", 2, 65536),
           integer_param("steps", 500, "time steps", 0, 1e12),
           real_param("dt", 1e-5, "time step; stable only if dt <= h^2 / (4 alpha)", 0)},
          [](const params& p) { return std::make_unique<heat_app>(p); }};
}

}  // namespace

RANKPOOL_REGISTER_APP(heat_info());
