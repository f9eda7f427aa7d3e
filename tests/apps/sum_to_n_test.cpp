// sum_to_n: the loop against n (n + 1) / 2, in the kernel and from the CLI.
#include <cmath>

#include "app_cli.hpp"
#include "rankpool/run_file.hpp"
#include "sum_to_n/kernel.hpp"

namespace {

TEST(SumToNKernel, LoopEqualsTheFormula) {
  constexpr std::uint64_t block = 1u << 20;  // the kernel's partial sums: check their edges
  for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{10}, block - 1, block,
                          block + 1, 3 * block + 17, std::uint64_t{123456789}})
    EXPECT_TRUE(sum_to_n::sum_to(n) == sum_to_n::expected_sum(n)) << n;
  EXPECT_TRUE(sum_to_n::sum_to(100) == 5050);
}

TEST(SumToNKernel, SumsPast64BitsAreExact) {
  // The first n whose sum needs a 65th bit (about a second of looping).
  const std::uint64_t n = 6074001000;
  const sum_to_n::uint128 sum = sum_to_n::sum_to(n);
  EXPECT_EQ(static_cast<std::uint64_t>(sum >> 64), 1u);
  EXPECT_TRUE(sum == sum_to_n::expected_sum(n));
}

using SumToNCli = app_test::cli;

void expect_sums(rankpool::run_file& file, std::size_t tasks) {
  const auto n = file.read_all<std::uint64_t>("/results/n");
  const auto low = file.read_all<std::uint64_t>("/results/sum");
  const auto high = file.read_all<std::uint64_t>("/results/sum_high");
  ASSERT_EQ(n.size(), tasks);
  for (std::size_t i = 0; i < tasks; ++i) {
    const sum_to_n::uint128 expected = sum_to_n::expected_sum(n[i]);
    EXPECT_EQ(low[i], static_cast<std::uint64_t>(expected)) << n[i];
    EXPECT_EQ(high[i], static_cast<std::uint64_t>(expected >> 64)) << n[i];
  }
}

TEST_F(SumToNCli, LogSweepOfNGivesOneVerifiedSumPerValue) {
  const auto job = write_job("sweep.toml", "app = \"sum_to_n\"\n"
                                           "[sweep]\nn = { start = 1000, stop = 100000000, num = 11, scale = \"log\" }\n");
  const auto out = path("sweep.h5");
  const auto o = rankpool("run " + job + " --progress none --out " + out, 2);
  ASSERT_EQ(o.code, 0) << o.err;
  auto file = rankpool::run_file::open(out, false);
  const auto swept = file.read_all<std::int64_t>("/sweep/n");
  const auto n = file.read_all<std::uint64_t>("/results/n");
  ASSERT_EQ(swept.size(), 11u);
  for (std::size_t i = 0; i < 11; ++i) {
    EXPECT_EQ(n[i], static_cast<std::uint64_t>(swept[i]));
    EXPECT_NEAR(static_cast<double>(n[i]), std::pow(10.0, 3.0 + 0.5 * static_cast<double>(i)), 0.5);  // log spaced
  }
  expect_sums(file, 11);
}

TEST_F(SumToNCli, SpreadFromNMinToNMax) {
  const auto job = write_job("spread.toml", "app = \"sum_to_n\"\n[params]\nn_min = 1\nn_max = 30000000\ntasks = 40\n");
  for (int ranks : {1, 4}) {
    const auto out = path("spread" + std::to_string(ranks) + ".h5");
    const auto o = rankpool("run " + job + " --progress none --chunk 1 --out " + out, ranks);
    ASSERT_EQ(o.code, 0) << o.err;
    auto file = rankpool::run_file::open(out, false);
    const auto n = file.read_all<std::uint64_t>("/results/n");
    ASSERT_EQ(n.size(), 40u);
    EXPECT_EQ(n.front(), 1u);
    EXPECT_EQ(n.back(), 30000000u);
    expect_sums(file, 40);
  }
}

TEST_F(SumToNCli, ImpossibleParametersAreRejected) {
  expect_rejected("app = \"sum_to_n\"\n[params]\nn_min = 100\nn_max = 10\n", "params.n_max: must be at least n_min", 2);
  expect_rejected("app = \"sum_to_n\"\n[params]\ntasks = 0\n", "params.tasks: 0 is below the minimum 1");
  expect_rejected("app = \"sum_to_n\"\n[params]\nn = -5\n", "params.n: -5 is below the minimum 0");
  expect_rejected("app = \"sum_to_n\"\n[sweep]\ntasks = [1, 2]\n", "rejected.toml:3:9: sweep.tasks: cannot be swept");
}

}  // namespace
