// nbody: independent gravitational N-body systems (G = 1), one per task, integrated by
// leapfrog and checked by what it must conserve: energy and momentum. Sweep bodies
// and softening (or dt, steps, seed) for one system per combination, or set `tasks`
// for replicas.
#include <rankpool/sweep_app.hpp>

#include "nbody/kernel.hpp"

namespace {

nbody::outcome evolve(const rankpool::task_context& t) {
  const double softening = t.real("softening");
  nbody::bodies b = nbody::random_cluster(static_cast<std::size_t>(t.integer("bodies")), softening,
                                          static_cast<std::uint64_t>(t.integer("seed")), t.index());
  return nbody::evolve(b, softening, t.real("dt"), static_cast<std::uint64_t>(t.integer("steps")));
}

const bool registered =
    rankpool::sweep_app("nbody",
                        "Direct-sum gravitational N-body (G = 1, leapfrog), one system per task; "
                        "energy and momentum drift per system; sweep bodies and softening")
        .param("bodies", 256, "bodies per system (uniform ball, total mass 1, virialised)", 2, 1e6)
        .param("softening", 0.05, "Plummer softening length eps", 0, 1e3)
        .param("dt", 1e-3, "time step", 0, 1e3)
        .param("steps", 1000, "leapfrog steps", 0, 1e12)
        .param("seed", 1, "seed of the initial conditions (with the task index)", 0)
        .param("tasks", 1, "systems (tasks) when nothing is swept", 1, 1e9)
        .check([](const rankpool::params& p) {
          if (p.real("dt") <= 0) p.reject("dt", "must be positive");
        })
        .result("energy_drift", "(E_end - E_start) / |E_start|, E = K + W (softened)")
        .result("momentum_drift", "|P_end - P_start| / sum_i m_i |v_i(0)|")
        .result("kinetic_energy", "K at t = steps dt (G = 1, total mass 1)")
        .cost([](const rankpool::task_context& t) {
          const auto bodies = static_cast<double>(t.integer("bodies"));
          return bodies * bodies * static_cast<double>(t.integer("steps"));
        })
        .kernel(evolve);

}  // namespace
