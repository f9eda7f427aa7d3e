#pragma once
/// Reproducible random numbers for tasks: counter-based, so a task's numbers are a
/// pure function of (seed, task index, stream) and never of the rank, the thread or
/// the chunk that ran it.
///
///   rankpool::random_stream rng(seed, task_index);   // stream 0
///   double x = rng.uniform();                         // [0, 1)
///   double z = rng.normal();                          // standard normal
///
/// The generator is Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random
/// numbers: as easy as 1, 2, 3", SC'11): 4 x 32 random bits per (counter, key).
/// A stream's draw d comes from counter (d / 2, task index) under key seed ^ (stream *
/// 0x9E3779B97F4A7C15), so draws are addressable (seek) and streams never share a
/// counter. std:: distributions accept a random_stream (it is a
/// UniformRandomBitGenerator), but their algorithms differ between standard libraries:
/// use the members below for numbers that must match everywhere.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>

namespace rankpool {

/// Philox4x32 with 10 rounds: a pure function of (counter, key).
constexpr std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter,
                                                  std::array<std::uint32_t, 2> key) noexcept {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += 0x9E3779B9u;
      key[1] += 0xBB67AE85u;
    }
    const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * counter[0];
    const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * counter[2];
    counter = {static_cast<std::uint32_t>(p1 >> 32) ^ counter[1] ^ key[0], static_cast<std::uint32_t>(p1),
               static_cast<std::uint32_t>(p0 >> 32) ^ counter[3] ^ key[1], static_cast<std::uint32_t>(p0)};
  }
  return counter;
}

/// A double uniform in [0, 1) from the top 52 of 64 random bits (hi:lo). Built by bit
/// pattern, so a loop of these vectorises without a 64-bit integer to double conversion.
inline double unit_double(std::uint32_t hi, std::uint32_t lo) noexcept {
  const std::uint64_t bits = 0x3FF0000000000000ull | (((std::uint64_t{hi} << 32) | lo) >> 12);
  double one_to_two;
  std::memcpy(&one_to_two, &bits, sizeof one_to_two);
  return one_to_two - 1.0;
}

/// The random numbers of one (seed, task, stream): a UniformRandomBitGenerator.
class random_stream {
 public:
  using result_type = std::uint64_t;

  constexpr random_stream(std::uint64_t seed, std::uint64_t task, std::uint64_t stream = 0) noexcept
      : key_{static_cast<std::uint32_t>(seed ^ (stream * golden)),
             static_cast<std::uint32_t>((seed ^ (stream * golden)) >> 32)},
        task_{static_cast<std::uint32_t>(task), static_cast<std::uint32_t>(task >> 32)} {}

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return ~result_type{0}; }

  /// The next 64 random bits.
  result_type operator()() noexcept {
    if ((draw_ & 1) == 0) block_ = philox4x32({static_cast<std::uint32_t>(draw_ >> 1),
                                               static_cast<std::uint32_t>(draw_ >> 33), task_[0], task_[1]},
                                              key_);
    const std::size_t half = (draw_ & 1) * 2;
    ++draw_;
    return (std::uint64_t{block_[half]} << 32) | block_[half + 1];
  }

  /// Uniform in [0, 1), 52 random bits.
  double uniform() noexcept {
    const std::uint64_t bits = (*this)();
    return unit_double(static_cast<std::uint32_t>(bits >> 32), static_cast<std::uint32_t>(bits));
  }

  /// Standard normal (Box-Muller, one value per two draws: nothing cached, so seek
  /// and copies stay exact).
  double normal() noexcept {
    const double u = 1.0 - uniform();  // (0, 1]: log stays finite
    const double v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v);
  }

  /// Uniform integer in [0, n) without bias (Lemire's multiply-and-reject); 0 when n is 0.
  std::uint64_t below(std::uint64_t n) noexcept {
    if (n == 0) return 0;
    const std::uint64_t threshold = (0 - n) % n;
    while (true) {
      const unsigned __int128 product = static_cast<unsigned __int128>((*this)()) * n;
      if (static_cast<std::uint64_t>(product) >= threshold) return static_cast<std::uint64_t>(product >> 64);
    }
  }

  /// Draws made so far; seek(d) makes the next draw draw d.
  std::uint64_t position() const noexcept { return draw_; }
  void seek(std::uint64_t draw) noexcept {
    draw_ = draw & ~std::uint64_t{1};
    if (draw & 1) (*this)();
  }

 private:
  static constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ull;  // odd: stream -> key offset is one-to-one
  std::array<std::uint32_t, 2> key_;
  std::array<std::uint32_t, 2> task_;
  std::array<std::uint32_t, 4> block_{};
  std::uint64_t draw_ = 0;
};

}  // namespace rankpool
