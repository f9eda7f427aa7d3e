// Every shipped app gives bitwise-identical /results for 1-4 ranks, 1 and 2
// threads per rank, and every chunk policy (compared with h5diff, which is exact
// without a tolerance option).
#include <gtest/gtest.h>

#include <filesystem>

#include "support/cli_runner.hpp"

namespace {

using namespace rankpool_test;

struct app_job {
  std::string app;
  std::string toml;
};

const std::vector<app_job> jobs = {
    {"synthetic", "app = \"synthetic\"\n[params]\ntasks = 300\nseed = 3\n"},
    {"mandelbrot",
     "app = \"mandelbrot\"\n[params]\nwidth = 64\nheight = 48\nmax_iterations = 300\nrows_per_task = 2\nimage = false\n"},
    {"heat", "app = \"heat\"\n[params]\nalpha = 1.0\n[sweep]\nmode = \"zip\"\nn = [8, 16, 24]\n"
             "dt = [1.0e-3, 2.0e-4, 1.0e-4]\nsteps = [10, 20, 30]\n"},
    {"nbody", "app = \"nbody\"\n[params]\ndt = 0.001\nsteps = 40\nseed = 2\n[sweep]\nbodies = [16, 33]\n"
              "softening = [0.05]\n"},
    {"sum_to_n", "app = \"sum_to_n\"\n[sweep]\nn = { start = 1000, stop = 1000000, num = 8, scale = \"log\" }\n"},
    {"montecarlo", "app = \"montecarlo\"\n[params]\nintegral = \"pi\"\ntasks = 16\nsamples_per_task = 20000\nseed = 4\n"},
};

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
  for (const auto& job : jobs) {
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
