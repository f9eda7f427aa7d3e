// sum_to_n through `rankpool run`: a log sweep of n and an n_min..n_max spread, every
// sum checked against n (n + 1) / 2, and impossible parameters rejected.
#include <cmath>
#include <cstdint>
#include <vector>

#include "rankpool/run_file.hpp"
#include "sum_to_n/kernel.hpp"
#include "support/cli_runner.hpp"

namespace {

using rankpool_test::test_ranks;
using SumToNApp = rankpool_test::cli;

void expect_sums(rankpool::run_file& file, std::size_t tasks) {
  const auto n = file.read_all<std::uint64_t>("/results/n");
  const auto low = file.read_all<std::uint64_t>("/results/sum");
  const auto high = file.read_all<std::uint64_t>("/results/sum_high");
  ASSERT_EQ(n.size(), tasks);
  ASSERT_EQ(low.size(), tasks);
  ASSERT_EQ(high.size(), tasks);
  for (std::size_t i = 0; i < tasks; ++i) {
    const sum_to_n::uint128 expected = sum_to_n::expected_sum(n[i]);
    EXPECT_EQ(low[i], static_cast<std::uint64_t>(expected)) << n[i];
    EXPECT_EQ(high[i], static_cast<std::uint64_t>(expected >> 64)) << n[i];
  }
}

TEST_F(SumToNApp, LogSweepOfNGivesOneVerifiedSumPerValue) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto job = write_job("sweep.toml", "app = \"sum_to_n\"\n"
                                           "[sweep]\nn = { start = 1000, stop = 100000000, num = 11, scale = \"log\" }\n");
  const auto out = path("sweep.h5");
  const auto o = rankpool("run " + job + " --progress none --out " + out, test_ranks());
  ASSERT_EQ(o.code, 0) << o.err;
  auto file = rankpool::run_file::open(out, false);
  const auto swept = file.read_all<std::int64_t>("/sweep/n");
  const auto n = file.read_all<std::uint64_t>("/results/n");
  ASSERT_EQ(swept.size(), 11u);
  ASSERT_EQ(n.size(), 11u);
  for (std::size_t i = 0; i < 11; ++i) {
    EXPECT_EQ(n[i], static_cast<std::uint64_t>(swept[i]));
    EXPECT_NEAR(static_cast<double>(n[i]), std::pow(10.0, 3.0 + 0.5 * static_cast<double>(i)), 0.5);  // log spaced
  }
  expect_sums(file, 11);
}

TEST_F(SumToNApp, SpreadFromNMinToNMax) {
  RANKPOOL_TEST_AT_RANKS(1, 4);
  const auto job = write_job("spread.toml", "app = \"sum_to_n\"\n[params]\nn_min = 1\nn_max = 30000000\ntasks = 40\n");
  const auto out = path("spread.h5");
  const auto o = rankpool("run " + job + " --progress none --chunk 1 --out " + out, test_ranks());
  ASSERT_EQ(o.code, 0) << o.err;
  auto file = rankpool::run_file::open(out, false);
  const auto n = file.read_all<std::uint64_t>("/results/n");
  ASSERT_EQ(n.size(), 40u);
  EXPECT_EQ(n.front(), 1u);
  EXPECT_EQ(n.back(), 30000000u);
  expect_sums(file, 40);
}

TEST_F(SumToNApp, ImpossibleParametersAreRejected) {
  RANKPOOL_TEST_AT_RANKS(2);
  expect_rejected("app = \"sum_to_n\"\n[params]\nn_min = 100\nn_max = 10\n", "params.n_max: must be at least n_min",
                  test_ranks());
  expect_rejected("app = \"sum_to_n\"\n[params]\ntasks = 0\n", "params.tasks: 0 is below the minimum 1", 0);
  expect_rejected("app = \"sum_to_n\"\n[params]\nn = -5\n", "params.n: -5 is below the minimum 0", 0);
  expect_rejected("app = \"sum_to_n\"\n[sweep]\ntasks = [1, 2]\n", "rejected.toml:3:9: sweep.tasks: cannot be swept", 0);
}

}  // namespace
