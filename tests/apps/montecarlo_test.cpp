// montecarlo through `rankpool run`: bitwise the same estimate at any rank count, thread
// count and chunking as one process alone, within 4 standard errors of the exact value,
// and impossible parameters rejected.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>

#include "montecarlo/kernel.hpp"
#include "rankpool/run_file.hpp"
#include "support/cli_runner.hpp"

namespace {

using rankpool_test::test_ranks;
using MontecarloApp = rankpool_test::cli;

struct reading {
  std::uint64_t hits = 0, samples = 0;
  double estimate = 0, standard_error = 0, exact = 0;
};

reading read_results(const std::string& file_path) {
  auto file = rankpool::run_file::open(file_path, false);
  EXPECT_EQ(file.uint_attribute("/", "failed"), 0u);
  EXPECT_EQ(file.string_attribute("/", "status"), "complete");
  const auto status = file.read_all<std::uint8_t>("/tasks/status");
  EXPECT_GT(status.size(), 0u);
  EXPECT_EQ(std::count(status.begin(), status.end(), 1), static_cast<std::ptrdiff_t>(status.size()));
  return {file.read_all<std::uint64_t>("/results/hits").at(0), file.read_all<std::uint64_t>("/results/samples").at(0),
          file.read_all<double>("/results/estimate").at(0), file.read_all<double>("/results/standard_error").at(0),
          file.real_attribute("/results", "exact")};
}

TEST_F(MontecarloApp, SameBitsAsOneProcessAtAnyThreadCountAndChunkingAndWithinFourStandardErrors) {
  struct layout {
    int ranks, threads;
    const char* chunk;
  };
  // Each rank count meets a thread count and a chunking; 1 and 4 ranks both thread counts.
  const layout layouts[] = {{1, 1, "auto"}, {1, 2, "1"}, {2, 1, "auto"}, {3, 2, "5"}, {4, 1, "guided"}, {4, 2, "auto"}};
  const auto job = write_job("ball.toml", "app = \"montecarlo\"\n[params]\nintegral = \"ball\"\ndimension = 6\n"
                                          "tasks = 37\nsamples_per_task = 30000\n");
  ASSERT_EQ(rankpool("run " + job + " --progress none --threads 1 --out " + path("alone.h5"), 0).code, 0);
  const reading alone = read_results(path("alone.h5"));
  EXPECT_EQ(alone.samples, 37u * 30000u);
  EXPECT_EQ(alone.exact, montecarlo::ball_volume(6));
  EXPECT_LT(std::abs(alone.estimate - alone.exact), 4 * alone.standard_error);
  int compared = 0;
  for (const auto& l : layouts) {
    if (l.ranks != test_ranks()) continue;
    const std::string name = std::to_string(l.ranks) + "x" + std::to_string(l.threads) + "_" + l.chunk;
    const auto out = path(name + ".h5");
    const auto o = rankpool("run " + job + " --progress none --threads " + std::to_string(l.threads) + " --chunk " +
                                l.chunk + " --out " + out,
                            l.ranks);
    ASSERT_EQ(o.code, 0) << name << ": " << o.err;
    const reading r = read_results(out);
    EXPECT_EQ(r.samples, alone.samples) << name;
    EXPECT_EQ(r.hits, alone.hits) << name;
    EXPECT_EQ(r.estimate, alone.estimate) << name;
    EXPECT_EQ(r.standard_error, alone.standard_error) << name;
    ++compared;
  }
  EXPECT_GT(compared, 0) << "no layout at " << test_ranks() << " ranks";
}

TEST_F(MontecarloApp, PiAgreesWithTheKernelTaskByTask) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto job = write_job("pi.toml", "app = \"montecarlo\"\n[params]\ntasks = 20\nsamples_per_task = 50000\n");
  ASSERT_EQ(rankpool("run " + job + " --progress none --out " + path("pi.h5"), test_ranks()).code, 0);
  const reading pi = read_results(path("pi.h5"));
  EXPECT_EQ(pi.exact, std::numbers::pi);
  EXPECT_LT(std::abs(pi.estimate - pi.exact), 4 * pi.standard_error);
  std::uint64_t hits = 0;
  for (std::uint32_t task = 0; task < 20; ++task) hits += montecarlo::count_hits(1, task, 2, 0, 50000);
  EXPECT_EQ(pi.hits, hits) << "the CLI's reduction differs from the kernel's tasks added up";
}

TEST_F(MontecarloApp, ImpossibleParametersAreRejected) {
  RANKPOOL_TEST_AT_RANKS(2);
  expect_rejected("app = \"montecarlo\"\n[params]\nsamples_per_task = 0\n", "params.samples_per_task: 0 is below",
                  test_ranks());
  expect_rejected("app = \"montecarlo\"\n[params]\ntasks = 0\n", "params.tasks: 0 is below the minimum 1", 0);
  expect_rejected("app = \"montecarlo\"\n[params]\nintegral = \"e\"\n",
                  "rejected.toml:3:12: params.integral: \"e\" is not one of: pi, ball", 0);
  expect_rejected("app = \"montecarlo\"\n[params]\nsamples_per_task = 10000000000000\ntasks = 4000000\n",
                  "rejected.toml:3:20: params.samples_per_task: samples_per_task x tasks must stay below 2^64", 0);
  expect_rejected("app = \"montecarlo\"\n[params]\ntasks = 3\n[sweep]\nseed = [1, 2, 3]\n",
                  "rejected.toml:5:8: sweep.seed: montecarlo folds every task into one estimate, so it cannot be swept",
                  0);
}

}  // namespace
