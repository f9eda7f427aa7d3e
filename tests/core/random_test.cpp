// rankpool/random.hpp: Philox4x32-10 against the Random123 known answers, and
// random_stream: a pure function of (seed, task, stream), addressable (seek, position),
// with the documented layout of draws, and uniform / normal / below with the right
// distributions (fixed seeds: every check here gives the same verdict on every run).
#include "rankpool/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using rankpool::philox4x32;
using rankpool::random_stream;
using words = std::array<std::uint32_t, 4>;

static_assert(std::uniform_random_bit_generator<random_stream>);

std::vector<std::uint64_t> draws(random_stream s, int n) {
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(s());
  return out;
}

TEST(Philox, MatchesTheRandom123KnownAnswers) {
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}), (words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32({~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}), (words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  // The digits of pi.
  EXPECT_EQ(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
  static_assert(philox4x32({0, 0, 0, 0}, {0, 0})[0] == 0x6627e8d5, "usable at compile time");
}

TEST(RandomStream, DrawsAreTheDocumentedPhiloxBlocks) {
  // Draw d comes from counter (d / 2, task) under key seed ^ (stream * 0x9E3779B97F4A7C15),
  // two 64-bit draws per block, high word first.
  const std::uint64_t seed = 0x0123456789abcdefull, task = 0x1122334455667788ull, stream = 3;
  const std::uint64_t key = seed ^ (stream * 0x9E3779B97F4A7C15ull);
  random_stream s(seed, task, stream);
  for (std::uint32_t block = 0; block < 3; ++block) {
    const words w = philox4x32({block, 0, static_cast<std::uint32_t>(task), static_cast<std::uint32_t>(task >> 32)},
                               {static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)});
    EXPECT_EQ(s(), (std::uint64_t{w[0]} << 32) | w[1]) << block;
    EXPECT_EQ(s(), (std::uint64_t{w[2]} << 32) | w[3]) << block;
  }
  // uniform() is the top 52 bits of one draw.
  random_stream bits(seed, task, stream), u(seed, task, stream);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(u.uniform(), static_cast<double>(bits() >> 12) * 0x1.0p-52);
}

TEST(RandomStream, SameSeedTaskAndStreamGiveTheSameSequence) {
  for (std::uint64_t task : {0ull, 1ull, 77ull, 1ull << 40}) {
    const auto a = draws(random_stream(5, task, 2), 1000);
    EXPECT_EQ(a, draws(random_stream(5, task, 2), 1000)) << task;
    random_stream original(5, task, 2);
    original();
    random_stream copy = original;  // a copy continues where the original is, independently
    EXPECT_EQ(copy(), a[1]);
    EXPECT_EQ(original(), a[1]);
  }
  // The default stream is stream 0.
  EXPECT_EQ(draws(random_stream(5, 9), 10), draws(random_stream(5, 9, 0), 10));
}

TEST(RandomStream, AnotherTaskStreamOrSeedGivesAnotherSequence) {
  const auto base = draws(random_stream(5, 9, 0), 64);
  const std::vector<std::vector<std::uint64_t>> others = {
      draws(random_stream(5, 10, 0), 64), draws(random_stream(5, 9, 1), 64), draws(random_stream(6, 9, 0), 64),
      draws(random_stream(5, 9 + (1ull << 32), 0), 64),  // the task's high word counts too
      draws(random_stream(5 + (1ull << 32), 9, 0), 64),  // ... and the seed's
  };
  for (std::size_t k = 0; k < others.size(); ++k) {
    ASSERT_EQ(others[k].size(), base.size());
    int equal = 0;
    for (std::size_t i = 0; i < base.size(); ++i) equal += others[k][i] == base[i];
    EXPECT_EQ(equal, 0) << "variant " << k;
  }
  // Streams of one task never share a block: stream s's draws are not stream t's shifted.
  const auto s0 = draws(random_stream(5, 9, 0), 256);
  const auto s1 = draws(random_stream(5, 9, 1), 256);
  for (std::uint64_t x : s1) EXPECT_EQ(std::count(s0.begin(), s0.end(), x), 0);
}

TEST(RandomStream, SeekAndPositionAddressEveryDraw) {
  const auto all = draws(random_stream(11, 4, 1), 40);
  random_stream s(11, 4, 1);
  EXPECT_EQ(s.position(), 0u);
  for (int i = 0; i < 7; ++i) s();
  EXPECT_EQ(s.position(), 7u);
  for (std::uint64_t d : {0ull, 1ull, 2ull, 3ull, 17ull, 16ull, 39ull, 5ull, 0ull}) {  // odd, even, backwards
    s.seek(d);
    EXPECT_EQ(s.position(), d);
    EXPECT_EQ(s(), all[d]) << d;
    EXPECT_EQ(s.position(), d + 1);
  }
  // Far away, without drawing everything before: the same as drawing up to there.
  random_stream far(11, 4, 1);
  far.seek((1ull << 33) + 3);
  random_stream near(11, 4, 1);
  near.seek(1ull << 33);
  near();
  near();
  near();
  EXPECT_EQ(far(), near());
  // uniform() and normal() take one and two draws.
  random_stream u(11, 4, 1);
  u.uniform();
  EXPECT_EQ(u.position(), 1u);
  u.normal();
  EXPECT_EQ(u.position(), 3u);
}

TEST(RandomStream, UniformIsInZeroOneWithTheRightMoments) {
  random_stream s(1, 2, 3);
  constexpr int n = 1'000'000;
  double sum = 0, sum_of_squares = 0, low = 1, high = 0;
  std::array<int, 10> deciles{};
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_of_squares += u * u;
    low = std::min(low, u);
    high = std::max(high, u);
    ++deciles[static_cast<std::size_t>(u * 10)];
  }
  const double mean = sum / n;
  // Standard errors: mean 2.9e-4, variance 8.9e-5.
  EXPECT_NEAR(mean, 0.5, 0.0015);
  EXPECT_NEAR(sum_of_squares / n - mean * mean, 1.0 / 12, 0.0005);
  EXPECT_LT(low, 1e-5);
  EXPECT_GT(high, 1 - 1e-5);
  for (int count : deciles) EXPECT_NEAR(count, n / 10, 1500);  // standard deviation 300
}

TEST(RandomStream, NormalHasMeanZeroVarianceOneAndNormalTails) {
  random_stream s(3, 1, 0);
  constexpr int n = 1'000'000;
  double sum = 0, sum_of_squares = 0, sum_of_fourth = 0;
  int beyond_1_96 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = s.normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum_of_squares += z * z;
    sum_of_fourth += z * z * z * z;
    beyond_1_96 += std::abs(z) > 1.959964;
  }
  const double mean = sum / n;
  // Standard errors: mean 0.001, variance 0.0014, kurtosis ~0.01, the 5% tail 2.2e-4.
  EXPECT_NEAR(mean, 0.0, 0.005);
  EXPECT_NEAR(sum_of_squares / n - mean * mean, 1.0, 0.007);
  EXPECT_NEAR(sum_of_fourth / n, 3.0, 0.05);
  EXPECT_NEAR(static_cast<double>(beyond_1_96) / n, 0.05, 0.0011);
}

TEST(RandomStream, BelowStaysInRangeAndIsUniform) {
  random_stream s(8, 0, 0);
  EXPECT_EQ(s.below(0), 0u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.below(1), 0u);
  // n = 10: every value about equally often (chi-square, 9 degrees of freedom).
  constexpr int n = 200'000;
  std::array<int, 10> counts{};
  for (int i = 0; i < n; ++i) {
    const std::uint64_t v = s.below(10);
    ASSERT_LT(v, 10u);
    ++counts[v];
  }
  double chi_square = 0;
  for (int c : counts) chi_square += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
  EXPECT_LT(chi_square, 33.7) << "p < 1e-4 for a uniform draw";
  // n = 3 * 2^62: a quarter of the raw draws are rejected; the top third still gets its share.
  const std::uint64_t big = 3ull << 62;
  int top_third = 0;
  for (int i = 0; i < 30'000; ++i) {
    const std::uint64_t v = s.below(big);
    ASSERT_LT(v, big);
    top_third += v >= (2ull << 62);
  }
  EXPECT_NEAR(top_third, 10'000, 400);  // standard deviation 82
  // Reproducible: below() is a function of the stream's draws.
  random_stream a(8, 1, 0), b(8, 1, 0);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.below(1000), b.below(1000));
}

TEST(RandomStream, WorksWithStandardDistributions) {
  random_stream s(2, 2, 2);
  std::uniform_int_distribution<int> die(1, 6);
  for (int i = 0; i < 1000; ++i) {
    const int face = die(s);
    ASSERT_GE(face, 1);
    ASSERT_LE(face, 6);
  }
}

}  // namespace
