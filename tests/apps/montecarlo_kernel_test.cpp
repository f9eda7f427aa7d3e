// montecarlo's kernel: its hits depend on (seed, task, sample) only, and the statistics
// (error ~ 1/sqrt(N), estimates within 4 standard errors). The generator itself (Philox
// known answers, random_stream): tests/core/random_test.cpp; the app through `rankpool
// run`: montecarlo_test.cpp.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <numbers>

#include "montecarlo/kernel.hpp"

namespace {

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

}  // namespace
