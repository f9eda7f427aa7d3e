// sum_to_n's kernel: the loop against n (n + 1) / 2 (the app through `rankpool run`:
// sum_to_n_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "sum_to_n/kernel.hpp"

namespace {

TEST(SumToNKernel, LoopEqualsTheFormula) {
  constexpr std::uint64_t block = 1u << 20;  // the kernel's partial sums: check their edges
  for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{10}, block - 1, block,
                          block + 1, 3 * block + 17, std::uint64_t{123456789}})
    EXPECT_TRUE(sum_to_n::sum_to(n) == sum_to_n::expected_sum(n)) << n;
  EXPECT_TRUE(sum_to_n::sum_to(100) == 5050);
}

TEST(SumToNKernel, SumsPast64BitsAreExact) {
  // The first n whose sum needs a 65th bit (about a second of looping).
  const std::uint64_t n = 6074001000;
  const sum_to_n::uint128 sum = sum_to_n::sum_to(n);
  EXPECT_EQ(static_cast<std::uint64_t>(sum >> 64), 1u);
  EXPECT_TRUE(sum == sum_to_n::expected_sum(n));
}

}  // namespace
