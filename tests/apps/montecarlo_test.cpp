// montecarlo: the random numbers (Philox known answers, counter-based), the statistics
// (error ~ 1/sqrt(N), estimates within 4 standard errors), and bitwise identical
// results from the CLI at any rank and thread count.
#include <omp.h>

#include <cmath>
#include <numbers>
#include <optional>

#include "app_cli.hpp"
#include "montecarlo/kernel.hpp"
#include "rankpool/run_file.hpp"

namespace {

TEST(MontecarloKernel, PhiloxMatchesTheRandom123KnownAnswers) {
  using words = std::array<std::uint32_t, 4>;
  EXPECT_EQ(montecarlo::philox4x32({0, 0, 0, 0}, {0, 0}), (words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(montecarlo::philox4x32({~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}),
            (words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(montecarlo::philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(MontecarloKernel, HitsDependOnlyOnSeedTaskAndSample) {
  const int threads = omp_get_max_threads();
  for (int d : {2, 5}) {
    // Large enough for the kernel's own threads to split it.
    constexpr std::uint64_t n = 300007;
    omp_set_num_threads(1);
    const std::uint64_t whole = montecarlo::count_hits(7, 3, d, 0, n);
    omp_set_num_threads(2);
    EXPECT_EQ(montecarlo::count_hits(7, 3, d, 0, n), whole);
    // Any split of the samples, on any boundary, adds up to the same count.
    EXPECT_EQ(montecarlo::count_hits(7, 3, d, 0, 12345) + montecarlo::count_hits(7, 3, d, 12345, n - 12345), whole);
    EXPECT_EQ(montecarlo::count_hits(7, 3, d, 0, 1) + montecarlo::count_hits(7, 3, d, 1, n - 1), whole);
    EXPECT_NE(montecarlo::count_hits(7, 4, d, 0, n), whole) << "tasks draw different streams";
    EXPECT_NE(montecarlo::count_hits(8, 3, d, 0, n), whole) << "seeds draw different streams";
  }
  omp_set_num_threads(threads);
}

TEST(MontecarloKernel, ErrorShrinksAsOneOverSqrtN) {
  // 64 independent estimates (tasks) at N and 4N samples each: the standard error
  // halves, and so does the root-mean-square error actually made.
  for (int d : {2, 6}) {
    const double exact = montecarlo::ball_volume(d);
    const std::uint64_t n = 20000;
    double se[2] = {}, squared_error[2] = {};
    std::uint64_t all_hits = 0;
    for (std::uint32_t task = 0; task < 64; ++task) {
      for (int k = 0; k < 2; ++k) {
        const std::uint64_t samples = k == 0 ? n : 4 * n;
        const std::uint64_t hits = montecarlo::count_hits(11, task, d, 0, samples);
        all_hits += k == 1 ? hits : 0;
        const auto e = montecarlo::ball_estimate(hits, samples, d);
        se[k] += e.standard_error / 64;
        squared_error[k] += (e.value - exact) * (e.value - exact) / 64;
      }
    }
    const auto pooled = montecarlo::ball_estimate(all_hits, 64 * 4 * n, d);
    EXPECT_LT(std::abs(pooled.value - exact), 4 * pooled.standard_error) << d;
    EXPECT_NEAR(se[0] / se[1], 2.0, 0.05) << d;
    const double rms_ratio = std::sqrt(squared_error[0] / squared_error[1]);
    EXPECT_GT(rms_ratio, 1.5) << d;
    EXPECT_LT(rms_ratio, 2.7) << d;
    // The standard error is an honest error bar: it matches the spread actually seen.
    EXPECT_NEAR(std::sqrt(squared_error[1]) / se[1], 1.0, 0.3) << d;
  }
}

TEST(MontecarloKernel, BallVolumes) {
  EXPECT_DOUBLE_EQ(montecarlo::ball_volume(2), std::numbers::pi);
  EXPECT_DOUBLE_EQ(montecarlo::ball_volume(3), 4 * std::numbers::pi / 3);
  EXPECT_NEAR(montecarlo::ball_volume(6), std::pow(std::numbers::pi, 3) / 6, 1e-14);
}

using MontecarloCli = app_test::cli;

struct reading {
  std::uint64_t hits = 0, samples = 0;
  double estimate = 0, standard_error = 0, exact = 0;
};

reading read_results(const std::string& file_path) {
  auto file = rankpool::run_file::open(file_path, false);
  EXPECT_EQ(file.uint_attribute("/", "failed"), 0u);
  EXPECT_EQ(file.string_attribute("/", "status"), "complete");
  const auto status = file.read_all<std::uint8_t>("/tasks/status");
  EXPECT_EQ(std::count(status.begin(), status.end(), 1), static_cast<std::ptrdiff_t>(status.size()));
  return {file.read_all<std::uint64_t>("/results/hits").at(0), file.read_all<std::uint64_t>("/results/samples").at(0),
          file.read_all<double>("/results/estimate").at(0), file.read_all<double>("/results/standard_error").at(0),
          file.real_attribute("/results", "exact")};
}

TEST_F(MontecarloCli, SameBitsAtAnyRankAndThreadCountAndWithinFourStandardErrors) {
  struct layout {
    int ranks, threads;
    const char* chunk;
  };
  // Every rank count 1-4, both thread counts, and chunkings from one task up.
  const layout layouts[] = {{1, 1, "auto"}, {1, 2, "1"}, {2, 1, "auto"}, {3, 2, "5"}, {4, 1, "guided"}, {4, 2, "auto"}};
  const auto job = write_job("ball.toml", "app = \"montecarlo\"\n[params]\nintegral = \"ball\"\ndimension = 6\n"
                                          "tasks = 37\nsamples_per_task = 30000\n");
  std::optional<reading> first;
  for (const auto& l : layouts) {
    const std::string name = std::to_string(l.ranks) + "x" + std::to_string(l.threads) + "_" + l.chunk;
    const auto out = path(name + ".h5");
    const auto o = rankpool("run " + job + " --progress none --threads " + std::to_string(l.threads) + " --chunk " +
                                l.chunk + " --out " + out,
                            l.ranks);
    ASSERT_EQ(o.code, 0) << name << ": " << o.err;
    const reading r = read_results(out);
    EXPECT_EQ(r.samples, 37u * 30000u);
    if (!first) first = r;
    EXPECT_EQ(r.hits, first->hits) << name;
    EXPECT_EQ(r.estimate, first->estimate) << name;
    EXPECT_EQ(r.standard_error, first->standard_error) << name;
  }
  EXPECT_EQ(first->exact, montecarlo::ball_volume(6));
  EXPECT_LT(std::abs(first->estimate - first->exact), 4 * first->standard_error);

  const auto pi_job = write_job("pi.toml", "app = \"montecarlo\"\n[params]\ntasks = 20\nsamples_per_task = 50000\n");
  ASSERT_EQ(rankpool("run " + pi_job + " --progress none --out " + path("pi.h5"), 2).code, 0);
  const reading pi = read_results(path("pi.h5"));
  EXPECT_EQ(pi.exact, std::numbers::pi);
  EXPECT_LT(std::abs(pi.estimate - pi.exact), 4 * pi.standard_error);
  EXPECT_EQ(pi.hits, [] {  // the kernel, task by task, agrees with the CLI's reduction
    std::uint64_t hits = 0;
    for (std::uint32_t task = 0; task < 20; ++task) hits += montecarlo::count_hits(1, task, 2, 0, 50000);
    return hits;
  }());
}

TEST_F(MontecarloCli, ImpossibleParametersAreRejected) {
  expect_rejected("app = \"montecarlo\"\n[params]\nsamples_per_task = 0\n", "params.samples_per_task: 0 is below", 2);
  expect_rejected("app = \"montecarlo\"\n[params]\ntasks = 0\n", "params.tasks: 0 is below the minimum 1");
  expect_rejected("app = \"montecarlo\"\n[params]\nintegral = \"e\"\n", "rejected.toml:3:12: params.integral: \"e\" is not one of: pi, ball");
  expect_rejected("app = \"montecarlo\"\n[params]\nsamples_per_task = 10000000000000\ntasks = 4000000\n",
                  "rejected.toml:3:20: params.samples_per_task: samples_per_task x tasks must stay below 2^64");
  expect_rejected("app = \"montecarlo\"\n[params]\ntasks = 3\n[sweep]\nseed = [1, 2, 3]\n",
                  "rejected.toml:5:8: sweep.seed: montecarlo folds every task into one estimate, so it cannot be swept");
}

}  // namespace
