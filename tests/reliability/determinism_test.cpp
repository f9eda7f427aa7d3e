// Every shipped app gives bitwise-identical /results for 1-4 ranks, 1 and 2
// threads per rank, and every chunk policy (compared with h5diff, which is exact
// without a tolerance option).
#include <gtest/gtest.h>

#include <filesystem>

#include "support/app_jobs.hpp"
#include "support/cli_runner.hpp"

namespace {

using namespace rankpool_test;

struct config {
  int ranks;
  int threads;
  std::string chunk;
};

std::vector<config> configs() {
  // Every rank count meets every chunk policy, and both thread counts at each rank count.
  std::vector<config> all;
  const std::vector<std::string> chunks = {"1", "guided", "auto"};
  for (int ranks = 1; ranks <= 4; ++ranks)
    for (std::size_t c = 0; c < chunks.size(); ++c)
      all.push_back({ranks, 1 + static_cast<int>((static_cast<std::size_t>(ranks) + c) % 2), chunks[c]});
  return all;
}

TEST(Determinism, EveryAppGivesTheSameResultsForAnyRanksThreadsAndChunking) {
  for (const auto& job : app_jobs) {
    scratch_dir dir;
    const auto file = dir.write(job.app + ".toml", job.toml);
    const auto reference = dir / "reference.h5";
    auto ref = run_rankpool(dir, "run " + file + " --progress none --threads 1 --chunk 1 --out " + reference, 0);
    ASSERT_EQ(ref.code, 0) << job.app << ": " << ref.err;
    for (const auto& c : configs()) {
      const std::string label = job.app + " " + std::to_string(c.ranks) + "x" + std::to_string(c.threads) +
                                " chunk " + c.chunk;
      const auto out = dir / ("r" + std::to_string(c.ranks) + "t" + std::to_string(c.threads) + c.chunk + ".h5");
      auto o = run_rankpool(dir,
                            "run " + file + " --progress none --threads " + std::to_string(c.threads) + " --chunk " +
                                c.chunk + " --out " + out,
                            c.ranks);
      ASSERT_EQ(o.code, 0) << label << ": " << o.err;
      const std::string diff = "h5diff -q " + reference + " " + out + " /results /results > /dev/null 2>&1";
      EXPECT_EQ(std::system(diff.c_str()), 0) << label << ": /results differ from the 1-rank, 1-thread, chunk-1 run";
    }
  }
}

}  // namespace
