#pragma once
/// Monte Carlo volume of the unit d-ball (d = 2 gives pi) from hit counts.
///
/// Random numbers are counter-based (rankpool/random.hpp's Philox4x32-10): sample s of
/// task t under seed k is a pure function of (k, t, s), so which rank, thread or chunk
/// draws it changes nothing, and integer hit counts add up to the same total bit for bit.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>

#include "rankpool/random.hpp"

namespace montecarlo {

using rankpool::philox4x32;
using rankpool::unit_double;

/// Volume of the unit ball in `dimension` dimensions: pi^(d/2) / Gamma(d/2 + 1).
inline double ball_volume(int dimension) {
  return std::pow(std::numbers::pi, dimension / 2.0) / std::tgamma(dimension / 2.0 + 1.0);
}

/// Samples that fall inside the unit ball among samples [first, first + count) of
/// `task`, each a point uniform in [0, 1)^dimension (one orthant: 2^-d of the ball).
/// Coordinates 2b and 2b+1 of sample s come from counter (s, task, b), key seed.
inline std::uint64_t count_hits(std::uint64_t seed, std::uint32_t task, int dimension, std::uint64_t first,
                                std::uint64_t count) {
  // Batches keep the sample loop innermost, where it vectorises; the radius of a
  // batch's samples builds up two coordinates per Philox call.
  constexpr std::uint64_t batch = 512;
  const std::array<std::uint32_t, 2> key{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
  const std::uint64_t batches = (count + batch - 1) / batch;
  const int blocks = (dimension + 1) / 2;
  std::uint64_t hits = 0;
#pragma omp parallel for schedule(static) reduction(+ : hits) if (count >= 4 * batch * 64)
  for (std::int64_t b = 0; b < static_cast<std::int64_t>(batches); ++b) {
    const std::uint64_t begin = first + static_cast<std::uint64_t>(b) * batch;
    const std::uint64_t size = std::min(batch, first + count - begin);
    double r2[batch] = {};
    for (int block = 0; block < blocks; ++block) {
      const bool pair = 2 * block + 1 < dimension;  // false for the last block of an odd dimension
      for (std::uint64_t i = 0; i < size; ++i) {
        const std::uint64_t s = begin + i;
        const auto w = philox4x32({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(s >> 32), task,
                                   static_cast<std::uint32_t>(block)},
                                  key);
        const double u = unit_double(w[0], w[1]);
        const double v = unit_double(w[2], w[3]);
        r2[i] += u * u + (pair ? v * v : 0.0);
      }
    }
    std::uint64_t inside = 0;
    for (std::uint64_t i = 0; i < size; ++i) inside += r2[i] <= 1.0 ? 1 : 0;
    hits += inside;
  }
  return hits;
}

/// What hits out of samples say about the volume: estimate and its standard error
/// (binomial: the hit fraction p has variance p (1 - p) / samples).
struct estimate {
  double value = 0;
  double standard_error = 0;
};

inline estimate ball_estimate(std::uint64_t hits, std::uint64_t samples, int dimension) {
  const double scale = std::ldexp(1.0, dimension);  // the cube [-1, 1]^d over the orthant [0, 1)^d
  const double p = static_cast<double>(hits) / static_cast<double>(samples);
  return {scale * p, scale * std::sqrt(p * (1 - p) / static_cast<double>(samples))};
}

}  // namespace montecarlo
