// heat: second-order convergence against the exact solution, thread-count
// independence, and the CLI end to end (sweeps, rejected parameters).
#include <omp.h>

#include <cmath>
#include <numbers>

#include "app_cli.hpp"
#include "heat/kernel.hpp"
#include "rankpool/run_file.hpp"

namespace {

/// Grid n with dt / h^2 held at r, run to t_end: space and time errors both scale as h^2.
heat::problem refined(std::uint32_t n, double r = 0.2, double t_end = 0.05) {
  heat::problem p;
  p.n = n;
  p.dt = r / (static_cast<double>(n) * n);
  p.steps = static_cast<std::uint64_t>(std::llround(t_end / p.dt));
  return p;
}

TEST(HeatKernel, ErrorFallsAtSecondOrder) {
  double previous = 0;
  for (std::uint32_t n : {16u, 32u, 64u, 128u}) {
    const auto o = heat::simulate(refined(n));
    EXPECT_LT(o.error, 0.5 / (static_cast<double>(n) * n)) << n;
    if (previous > 0) {
      EXPECT_NEAR(previous / o.error, 4.0, 0.1) << "n = " << n;
    }
    previous = o.error;
  }
}

double exact_centre(const heat::problem& p) {
  return std::exp(-2 * std::numbers::pi * std::numbers::pi * p.alpha * static_cast<double>(p.steps) * p.dt);
}

TEST(HeatKernel, CentreDecaysLikeTheExactSolution) {
  EXPECT_NEAR(heat::simulate(refined(128)).centre, exact_centre(refined(128)), 1e-4);
  // Centre between nodes: interpolated, still within the second-order error.
  EXPECT_NEAR(heat::simulate(refined(127)).centre, exact_centre(refined(127)), 1e-4);
}

TEST(HeatKernel, ZeroStepsIsTheInitialCondition) {
  auto p = refined(40);
  p.steps = 0;
  const auto o = heat::simulate(p);
  EXPECT_LT(o.error, 1e-15);  // the comparison may fuse a multiply-add: not always exactly 0
  EXPECT_DOUBLE_EQ(o.centre, 1.0);
}

TEST(HeatKernel, ThreadCountDoesNotChangeTheBits) {
  auto p = refined(300);  // above the size where the kernel goes parallel
  p.steps = 40;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = heat::simulate(p);
  omp_set_num_threads(2);
  const auto two = heat::simulate(p);
  omp_set_num_threads(threads);
  EXPECT_EQ(one.error, two.error);
  EXPECT_EQ(one.centre, two.centre);
}

using HeatCli = app_test::cli;

TEST_F(HeatCli, SweepRunsOneSimulationPerCombinationAndConvergesAtSecondOrder) {
  // n and dt zipped so dt / h^2 = 0.2 throughout; steps reach t = 0.05 each time.
  const auto job = write_job("heat.toml",
                             "app = \"heat\"\n[params]\nalpha = 1.0\n"
                             "[sweep]\nmode = \"zip\"\nn = [16, 32, 64]\ndt = [0.00078125, 0.0001953125, 0.000048828125]\n"
                             "steps = [64, 256, 1024]\n");
  for (int ranks : {1, 3}) {
    const auto out = path("heat" + std::to_string(ranks) + ".h5");
    const auto o = rankpool("run " + job + " --progress none --out " + out, ranks);
    ASSERT_EQ(o.code, 0) << o.err;
    auto file = rankpool::run_file::open(out, false);
    EXPECT_EQ(file.read_all<std::int64_t>("/sweep/n"), (std::vector<std::int64_t>{16, 32, 64}));
    const auto error = file.read_all<double>("/results/error");
    const auto centre = file.read_all<double>("/results/centre");
    const auto time = file.read_all<double>("/results/time");
    ASSERT_EQ(error.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      const auto expected = heat::simulate(refined(16u << i));
      EXPECT_NEAR(error[i], expected.error, 1e-12 * expected.error) << i;
      EXPECT_NEAR(centre[i], expected.centre, 1e-12) << i;
      EXPECT_DOUBLE_EQ(time[i], 0.05) << i;
    }
    EXPECT_NEAR(error[0] / error[1], 4.0, 0.1);
    EXPECT_NEAR(error[1] / error[2], 4.0, 0.1);
  }
}

TEST_F(HeatCli, ImpossibleParametersAreRejectedBeforeAnyRankWorks) {
  // h = 1/64, alpha = 1: the bound is 1 / (4 * 64^2) = 6.10352e-05.
  expect_rejected("app = \"heat\"\n[params]\nn = 64\ndt = 0.0001\n",
                  "params.dt: dt = 0.0001 is unstable: explicit steps need dt <= h^2 / (4 alpha) = 6.10352e-05", 2);
  expect_rejected("app = \"heat\"\n[params]\ndt = 1e-6\n[sweep]\nn = [64, 128, 1024]\n",
                  "params.dt: dt = 1e-06 is unstable: explicit steps need dt <= h^2 / (4 alpha) = 2.38419e-07 for "
                  "n = 1024 (h = 1/n), alpha = 1 (sweep combination 2)");
  expect_rejected("app = \"heat\"\n[params]\nn = 40000\ndt = 1e-12\n", "params.n: n = 40000 needs 25.6 GB");
  expect_rejected("app = \"heat\"\n[params]\nn = 0\n", "params.n: 0 is below the minimum 2");
  expect_rejected("app = \"heat\"\n[params]\nsteps = -1\n", "params.steps: -1 is below the minimum 0");
  expect_rejected("app = \"heat\"\n[params]\nalpha = 0.0\n", "params.alpha: must be positive");
  expect_rejected("app = \"heat\"\n[params]\ndt = 0.0\n", "params.dt: must be positive");
}

}  // namespace
