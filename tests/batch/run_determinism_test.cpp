// Every shipped app gives bitwise-identical /results at any rank count, 1 or 2 threads
// per rank and every chunk policy (compared with h5diff, which is exact without a
// tolerance option). Each ctest entry runs at one rank count (run_determinism_test.Nranks)
// and compares it against one process alone (1 thread, chunk 1) run in the same entry.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/app_jobs.hpp"
#include "support/cli_runner.hpp"

namespace {

using namespace rankpool_test;
using RunDeterminism = cli;

TEST_F(RunDeterminism, EveryAppGivesTheSameResultsAsOneProcessForAnyThreadsAndChunking) {
  const int ranks = test_ranks();
  // Every chunk policy at every rank count, and both thread counts at each rank count.
  const std::vector<std::string> chunks = {"1", "guided", "auto"};
  for (const auto& job : app_jobs) {
    const auto file = write_job(job.app + ".toml", job.toml);
    const auto reference = path(job.app + "_alone.h5");
    auto ref = rankpool("run " + file + " --progress none --threads 1 --chunk 1 --out " + reference, 0);
    ASSERT_EQ(ref.code, 0) << job.app << ": " << ref.err;
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      const int threads = 1 + static_cast<int>((static_cast<std::size_t>(ranks) + c) % 2);
      const std::string label =
          job.app + " " + std::to_string(ranks) + "x" + std::to_string(threads) + " chunk " + chunks[c];
      const auto out = path(job.app + "_t" + std::to_string(threads) + "_" + chunks[c] + ".h5");
      auto o = rankpool("run " + file + " --progress none --threads " + std::to_string(threads) + " --chunk " +
                            chunks[c] + " --out " + out,
                        ranks);
      ASSERT_EQ(o.code, 0) << label << ": " << o.err;
      const std::string diff = "h5diff -q " + reference + " " + out + " /results /results > /dev/null 2>&1";
      EXPECT_EQ(std::system(diff.c_str()), 0) << label << ": /results differ from one process's (1 thread, chunk 1)";
    }
  }
}

}  // namespace
