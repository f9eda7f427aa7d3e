// apps/synthetic/workload.hpp, the one generator of synthetic task durations: the
// Python copy the peers' benchmarks run (benchmarks/peers/workload.py) gives the same
// bits for every distribution, seed, mean and sigma; and the durations have the mean
// they promise. Built like the generator's users, with -ffp-contract=off.
#include "synthetic/workload.hpp"

#include <gtest/gtest.h>
#include <stdio.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

struct python_case {
  std::string distribution;
  double mean_us;
  double sigma;
  std::uint64_t seed;
  std::uint64_t first;  ///< index of the first task
};

/// workload.py --print-durations for `c`: one duration a line, as float.hex().
std::vector<double> python_durations(const python_case& c, int tasks) {
  char mean[64], sigma[64];
  std::snprintf(mean, sizeof mean, "%.17g", c.mean_us);  // 17 digits: Python reads back the same double
  std::snprintf(sigma, sizeof sigma, "%.17g", c.sigma);
  const std::string command = std::string(RANKPOOL_TEST_PYTHON) + " " + RANKPOOL_WORKLOAD_PY +
                              " --print-durations --tasks " + std::to_string(tasks) + " --first " +
                              std::to_string(c.first) + " --distribution " + c.distribution + " --seed " +
                              std::to_string(c.seed) + " --mean-us=" + mean + " --sigma=" + sigma;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::vector<double> values;
  char line[128];
  while (std::fgets(line, sizeof line, pipe)) values.push_back(std::strtod(line, nullptr));  // reads hex floats exactly
  const int status = pclose(pipe);
  if (status != 0) throw std::runtime_error(command + " failed (status " + std::to_string(status) + ")");
  return values;
}

TEST(SyntheticWorkload, PythonGivesTheSameBitsForEveryDistributionSeedMeanAndSigma) {
  constexpr int tasks = 400;
  std::vector<python_case> cases = {
      {"fixed", 250.0, 1.0, 1, 0},
      {"fixed", 0.0, 1.0, 1, 0},  // no-op tasks: 0 whatever the distribution
      {"lognormal", 0.0, 1.0, 3, 0},
      {"uniform", 1000.0, 1.0, 1, 0},
      {"uniform", 0.37, 1.0, 0xfedcba9876543210ull, 1ull << 40},
  };
  for (std::uint64_t seed : {0ull, 1ull, 42ull, 0x8000000000000005ull})
    for (const auto& [mean, sigma] : std::vector<std::pair<double, double>>{{1000.0, 1.0}, {0.5, 2.5}, {123.456, 0.1}})
      cases.push_back({"lognormal", mean, sigma, seed, seed == 42 ? (1ull << 33) + 7 : 0});
  for (const python_case& c : cases) {
    const std::vector<double> from_python = python_durations(c, tasks);
    ASSERT_EQ(from_python.size(), static_cast<std::size_t>(tasks)) << c.distribution;
    synthetic::workload w;
    w.mean_us = c.mean_us;
    w.distribution = c.distribution;
    w.sigma = c.sigma;
    w.seed = c.seed;
    for (int i = 0; i < tasks; ++i) {
      const std::uint64_t index = c.first + static_cast<std::uint64_t>(i);
      const double expected = w.duration_us(index);
      ASSERT_EQ(std::bit_cast<std::uint64_t>(from_python[static_cast<std::size_t>(i)]),
                std::bit_cast<std::uint64_t>(expected))
          << c.distribution << " mean " << c.mean_us << " sigma " << c.sigma << " seed " << c.seed << " task " << index
          << ": Python " << from_python[static_cast<std::size_t>(i)] << ", C++ " << expected;
    }
  }
}

TEST(SyntheticWorkload, DurationsHaveTheRequestedMeanAndRange) {
  constexpr std::uint64_t tasks = 200000;
  synthetic::workload w;
  w.mean_us = 1000;
  w.seed = 9;
  for (const char* distribution : {"fixed", "uniform", "lognormal"}) {
    w.distribution = distribution;
    double sum = 0, low = 1e300, high = 0;
    for (std::uint64_t i = 0; i < tasks; ++i) {
      const double d = w.duration_us(i);
      sum += d;
      low = std::min(low, d);
      high = std::max(high, d);
    }
    // Standard error of the mean: 0.58 us (uniform), 2.9 us (lognormal, sigma 1).
    EXPECT_NEAR(sum / tasks, 1000.0, 15.0) << distribution;
    EXPECT_GT(low, 0.0) << distribution;
    if (w.distribution == "fixed") {
      EXPECT_EQ(high, 1000.0);
    } else if (w.distribution == "uniform") {
      EXPECT_LT(high, 2000.0);
    } else {
      EXPECT_GT(high, 10000.0) << "a heavy tail: some tasks ten times the mean";
    }
  }
}

TEST(SyntheticWorkload, DurationsAndChecksumsDependOnSeedAndIndexOnly) {
  synthetic::workload a, b;
  a.mean_us = b.mean_us = 10;
  a.distribution = b.distribution = "lognormal";
  b.seed = 2;
  int same_duration = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(a.checksum(i), synthetic::workload{a}.checksum(i));
    same_duration += a.duration_us(i) == b.duration_us(i);
  }
  EXPECT_EQ(same_duration, 0) << "another seed draws other durations";
  EXPECT_NE(a.checksum(5), b.checksum(5));
  EXPECT_EQ(a.run(5), a.checksum(5));
}

}  // namespace
