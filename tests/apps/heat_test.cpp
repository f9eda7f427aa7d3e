// heat through `rankpool run`: a zipped sweep runs one simulation per combination, each
// equal to the kernel's and converging at second order; impossible parameters (unstable
// steps, too much memory) are rejected before any rank works.
#include <cstdint>
#include <vector>

#include "heat/kernel.hpp"
#include "rankpool/run_file.hpp"
#include "support/cli_runner.hpp"

namespace {

using rankpool_test::test_ranks;
using HeatApp = rankpool_test::cli;

TEST_F(HeatApp, SweepRunsOneSimulationPerCombinationAndConvergesAtSecondOrder) {
  RANKPOOL_TEST_AT_RANKS(1, 3);
  // n and dt zipped so dt / h^2 = 0.2 throughout; steps reach t = 0.05 each time.
  const std::uint32_t n[] = {16, 32, 64};
  const double dt[] = {0.00078125, 0.0001953125, 0.000048828125};
  const std::uint64_t steps[] = {64, 256, 1024};
  const auto job = write_job("heat.toml",
                             "app = \"heat\"\n[params]\nalpha = 1.0\n"
                             "[sweep]\nmode = \"zip\"\nn = [16, 32, 64]\ndt = [0.00078125, 0.0001953125, 0.000048828125]\n"
                             "steps = [64, 256, 1024]\n");
  const auto out = path("heat.h5");
  const auto o = rankpool("run " + job + " --progress none --out " + out, test_ranks());
  ASSERT_EQ(o.code, 0) << o.err;
  auto file = rankpool::run_file::open(out, false);
  EXPECT_EQ(file.read_all<std::int64_t>("/sweep/n"), (std::vector<std::int64_t>{16, 32, 64}));
  const auto error = file.read_all<double>("/results/error");
  const auto centre = file.read_all<double>("/results/centre");
  const auto time = file.read_all<double>("/results/time");
  ASSERT_EQ(error.size(), 3u);
  ASSERT_EQ(centre.size(), 3u);
  ASSERT_EQ(time.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    heat::problem p;
    p.n = n[i];
    p.dt = dt[i];
    p.steps = steps[i];
    const auto expected = heat::simulate(p);
    EXPECT_NEAR(error[i], expected.error, 1e-12 * expected.error) << i;
    EXPECT_NEAR(centre[i], expected.centre, 1e-12) << i;
    EXPECT_DOUBLE_EQ(time[i], 0.05) << i;
  }
  EXPECT_NEAR(error[0] / error[1], 4.0, 0.1);
  EXPECT_NEAR(error[1] / error[2], 4.0, 0.1);
}

TEST_F(HeatApp, ImpossibleParametersAreRejectedBeforeAnyRankWorks) {
  RANKPOOL_TEST_AT_RANKS(2);
  // h = 1/64, alpha = 1: the bound is 1 / (4 * 64^2) = 6.10352e-05.
  expect_rejected("app = \"heat\"\n[params]\nn = 64\ndt = 0.0001\n",
                  "params.dt: dt = 0.0001 is unstable: explicit steps need dt <= h^2 / (4 alpha) = 6.10352e-05",
                  test_ranks());
  expect_rejected("app = \"heat\"\n[params]\ndt = 1e-6\n[sweep]\nn = [64, 128, 1024]\n",
                  "params.dt: dt = 1e-06 is unstable: explicit steps need dt <= h^2 / (4 alpha) = 2.38419e-07 for "
                  "n = 1024 (h = 1/n), alpha = 1 (sweep combination 2)",
                  0);
  expect_rejected("app = \"heat\"\n[params]\nn = 40000\ndt = 1e-12\n", "params.n: n = 40000 needs 25.6 GB", 0);
  expect_rejected("app = \"heat\"\n[params]\nn = 0\n", "params.n: 0 is below the minimum 2", 0);
  expect_rejected("app = \"heat\"\n[params]\nsteps = -1\n", "params.steps: -1 is below the minimum 0", 0);
  expect_rejected("app = \"heat\"\n[params]\nalpha = 0.0\n", "params.alpha: must be positive", 0);
  expect_rejected("app = \"heat\"\n[params]\ndt = 0.0\n", "params.dt: must be positive", 0);
}

}  // namespace
