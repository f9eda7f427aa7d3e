#pragma once
/// 1 + 2 + ... + n the slow way: a loop whose run time grows with n, which is the
/// point of the sum_to_n demo. Exact up to max_n: 64-bit sums of blocks of 2^20 terms,
/// each below 2^44, cannot wrap, and the blocks add up in 128 bits.
#include <algorithm>
#include <cstdint>

namespace sum_to_n {

using uint128 = unsigned __int128;

inline constexpr std::uint64_t max_n = std::uint64_t{1} << 44;

/// Deliberately serial: the batch's imbalance is left for the pool to balance.
inline uint128 sum_to(std::uint64_t n) {
  constexpr std::uint64_t block = std::uint64_t{1} << 20;
  uint128 total = 0;
  for (std::uint64_t first = 1; first <= n; first += block) {
    const std::uint64_t end = std::min(n + 1, first + block);
    std::uint64_t partial = 0;
    for (std::uint64_t i = first; i < end; ++i) partial += i;  // independent lanes: vectorises
    total += partial;
  }
  return total;
}

/// n (n + 1) / 2: what the loop must give.
inline uint128 expected_sum(std::uint64_t n) { return uint128{n} * (uint128{n} + 1) / 2; }

}  // namespace sum_to_n
