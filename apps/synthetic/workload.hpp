#pragma once
// The synthetic workload: task durations derived from (seed, index) only, so every rank
// count and chunking sees the same tasks. The one generator of them: the synthetic app,
// rankpool_noop_bench and the peers' benchmarks/peers/workload.py all draw these
// durations, Python bit for bit (tests/apps/synthetic_workload_test.cpp checks it).
// Compile users with -ffp-contract=off (link rankpool_synthetic_workload): a fused
// multiply-add rounds once where Python rounds twice.
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace synthetic {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Uniform in (0, 1), never 0 (safe for log).
inline double unit(std::uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }

struct workload {
  double mean_us = 0;
  std::string distribution = "fixed";  // fixed | uniform | lognormal
  double sigma = 1;
  std::uint64_t seed = 1;
  bool spin = true;  // spin = busy CPU, else sleep

  /// Task `index`'s duration in microseconds, with mean `mean_us` over the tasks.
  double duration_us(std::uint64_t index) const {
    if (mean_us <= 0) return 0;
    const std::uint64_t a = splitmix64(seed * 0x9e3779b97f4a7c15ull ^ index);
    if (distribution == "fixed") return mean_us;
    if (distribution == "uniform") return 2 * mean_us * unit(a);
    // lognormal with the requested mean: exp(mu + sigma z), mu = ln(mean) - sigma^2 / 2
    const double z = std::sqrt(-2 * std::log(unit(a))) * std::cos(2 * M_PI * unit(splitmix64(a)));
    return mean_us * std::exp(sigma * z - sigma * sigma / 2);
  }

  /// Spends task `index`'s duration: busy (spin) or asleep.
  void perform(std::uint64_t index) const {
    const double us = duration_us(index);
    if (us <= 0) return;
    if (spin) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(static_cast<std::int64_t>(us * 1e3));
      while (std::chrono::steady_clock::now() < until) {
      }
    } else {
      const auto ns = static_cast<long>(us * 1e3);
      timespec pause{ns / 1000000000L, ns % 1000000000L};
      nanosleep(&pause, nullptr);
    }
  }

  /// A checksum that depends only on (seed, index).
  std::uint32_t checksum(std::uint64_t index) const { return static_cast<std::uint32_t>(splitmix64(seed ^ (index << 1))); }

  /// Does the task's work and returns its checksum.
  std::uint32_t run(std::uint64_t index) const {
    perform(index);
    return checksum(index);
  }
};

}  // namespace synthetic
