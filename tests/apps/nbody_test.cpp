// nbody through `rankpool run`: a bodies x softening sweep (product, last axis fastest)
// whose every system matches the kernel, and impossible parameters rejected.
#include <cmath>
#include <cstdint>
#include <vector>

#include "nbody/kernel.hpp"
#include "rankpool/run_file.hpp"
#include "support/cli_runner.hpp"

namespace {

using rankpool_test::test_ranks;
using NbodyApp = rankpool_test::cli;

TEST_F(NbodyApp, SweepOverBodiesAndSofteningMatchesTheKernel) {
  RANKPOOL_TEST_AT_RANKS(1, 3);
  const auto job = write_job("nbody.toml",
                             "app = \"nbody\"\n[params]\ndt = 0.002\nsteps = 200\nseed = 3\n"
                             "[sweep]\nbodies = [16, 40]\nsoftening = [0.05, 0.1]\n");
  const auto out = path("nbody.h5");
  const auto o = rankpool("run " + job + " --progress none --out " + out, test_ranks());
  ASSERT_EQ(o.code, 0) << o.err;
  auto file = rankpool::run_file::open(out, false);
  const auto bodies = file.read_all<std::int64_t>("/sweep/bodies");
  const auto softening = file.read_all<double>("/sweep/softening");
  ASSERT_EQ(bodies, (std::vector<std::int64_t>{16, 16, 40, 40}));  // product, last axis fastest
  ASSERT_EQ(softening, (std::vector<double>{0.05, 0.1, 0.05, 0.1}));
  const auto energy = file.read_all<double>("/results/energy_drift");
  const auto momentum = file.read_all<double>("/results/momentum_drift");
  const auto kinetic = file.read_all<double>("/results/kinetic_energy");
  ASSERT_EQ(energy.size(), 4u);
  ASSERT_EQ(momentum.size(), 4u);
  ASSERT_EQ(kinetic.size(), 4u);
  for (std::uint64_t task = 0; task < 4; ++task) {
    auto b = nbody::random_cluster(static_cast<std::size_t>(bodies[task]), softening[task], 3, task);
    const auto expected = nbody::evolve(b, softening[task], 0.002, 200);
    EXPECT_NEAR(energy[task], expected.energy_drift, 1e-9) << task;
    EXPECT_NEAR(kinetic[task], expected.kinetic_energy, 1e-9) << task;
    EXPECT_LT(std::abs(energy[task]), 1e-4) << task;
    EXPECT_LT(momentum[task], 1e-12) << task;
  }
}

TEST_F(NbodyApp, ImpossibleParametersAreRejected) {
  RANKPOOL_TEST_AT_RANKS(2);
  expect_rejected("app = \"nbody\"\n[params]\nbodies = 1\n", "params.bodies: 1 is below the minimum 2", test_ranks());
  expect_rejected("app = \"nbody\"\n[params]\ndt = 0.0\n", "params.dt: must be positive", 0);
  expect_rejected("app = \"nbody\"\n[params]\nsoftening = -1\n", "params.softening: -1 is below the minimum 0", 0);
  expect_rejected("app = \"nbody\"\n[params]\ntasks = 4\n[sweep]\nbodies = [8, 16]\n",
                  "rejected.toml:3:9: params.tasks: sets the task count of a job without [sweep]", 0);
}

}  // namespace
