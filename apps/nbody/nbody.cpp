// nbody: independent gravitational N-body systems (G = 1), one per task, integrated by
// leapfrog and checked by what it must conserve: energy and momentum. Sweep bodies
// and softening (or dt, steps, seed) for one system per combination, or set `systems`
// for replicas.
#include <rankpool/app.hpp>
#include <rankpool/run.hpp>

#include <limits>

#include "nbody/kernel.hpp"

namespace {

/// Everything one system needs; in a sweep, each combination is one system.
struct system_spec {
  std::size_t bodies = 0;
  double softening = 0;
  double dt = 0;
  std::uint64_t steps = 0;
  std::uint64_t seed = 0;
};

class nbody_app final : public rankpool::app {
 public:
  explicit nbody_app(const rankpool::params& p)
      : params_(p), tasks_(p.sweep() ? p.combinations() : static_cast<std::uint64_t>(p.integer("systems"))) {
    if (const auto* sweep = p.sweep()) {
      if (p.integer("systems") != 1)
        p.reject("systems", "a swept job runs one system per combination; sweep seed for replicas instead");
      for (const auto& axis : sweep->axes)
        if (axis.name == "systems") p.reject("systems", "cannot be swept: it is the task count of an unswept job");
    }
    for (std::uint64_t i = 0; i < p.combinations(); ++i)
      if (system_of(i).dt <= 0) p.reject("dt", "must be positive");
  }

  void define_tasks(rankpool::pool& pool) override {
    evolve_ = pool.define_task("nbody.evolve", [this](std::uint64_t task) {
      const system_spec s = system_of(task);
      nbody::bodies b = nbody::random_cluster(s.bodies, s.softening, s.seed, task);
      return nbody::evolve(b, s.softening, s.dt, s.steps);
    });
  }

  std::uint64_t task_count() const override { return tasks_; }

  void create_results(rankpool::run_file& file) override {
    const double not_run = std::numeric_limits<double>::quiet_NaN();
    file.create_dataset<double>("/results/energy_drift", {tasks_}, not_run);
    file.set_attribute("/results/energy_drift", "meaning", std::string("(E_end - E_start) / |E_start|, E = K + W (softened)"));
    file.create_dataset<double>("/results/momentum_drift", {tasks_}, not_run);
    file.set_attribute("/results/momentum_drift", "meaning", std::string("|P_end - P_start| / sum_i m_i |v_i(0)|"));
    file.create_dataset<double>("/results/kinetic_energy", {tasks_}, not_run);
    file.set_attribute("/results/kinetic_energy", "meaning", std::string("K at t = steps dt (G = 1, total mass 1)"));
  }

  void run(rankpool::job_context& ctx) override {
    auto& energy = ctx.results_column<double>("/results/energy_drift");
    auto& momentum = ctx.results_column<double>("/results/momentum_drift");
    auto& kinetic = ctx.results_column<double>("/results/kinetic_energy");
    ctx.run_tasks(evolve_, [&](std::uint64_t i, const nbody::outcome& o) {
      energy.set(i, o.energy_drift);
      momentum.set(i, o.momentum_drift);
      kinetic.set(i, o.kinetic_energy);
    });
  }

 private:
  system_spec system_of(std::uint64_t task) const {
    const rankpool::params p = params_.combination(params_.sweep() ? task : 0);
    return {static_cast<std::size_t>(p.integer("bodies")), p.real("softening"), p.real("dt"),
            static_cast<std::uint64_t>(p.integer("steps")), static_cast<std::uint64_t>(p.integer("seed"))};
  }

  rankpool::params params_;
  std::uint64_t tasks_;
  rankpool::task<nbody::outcome(std::uint64_t)> evolve_;
};

rankpool::app_info nbody_info() {
  using namespace rankpool;
  return {"nbody",
          "Direct-sum gravitational N-body (G = 1, leapfrog), one system per task; "
          "energy and momentum drift per system; sweep bodies and softening",
          {integer_param("bodies", 256, "bodies per system (uniform ball, total mass 1, virialised)", 2, 1e6),
           real_param("softening", 0.05, "Plummer softening length eps", 0, 1e3),
           real_param("dt", 1e-3, "time step", 0, 1e3),
           integer_param("steps", 1000, "leapfrog steps", 0, 1e12),
           integer_param("seed", 1, "seed of the initial conditions (with the task index)", 0),
           integer_param("systems", 1, "systems (tasks) when nothing is swept", 1, 1e9)},
          [](const params& p) { return std::make_unique<nbody_app>(p); }};
}

}  // namespace

RANKPOOL_REGISTER_APP(nbody_info());
