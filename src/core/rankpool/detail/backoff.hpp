#pragma once
/// The one idle policy of rank 0's scheduler loop and the worker loop (mpi4py.futures'
/// Backoff): how long to wait before polling again when a round found nothing to do.
#include <algorithm>
#include <chrono>

namespace rankpool::detail {

class backoff {
 public:
  /// Spin only while chunks are shorter than this: a reply is then microseconds away.
  /// After long chunks every spinning round is stolen from a computing thread on this
  /// node (on 2 cores a spinning rank 0 halves the machine), so sleep at once.
  static constexpr double spin_below_chunk_seconds = 100e-6;
  static constexpr int spin_rounds = 64;
  static constexpr int rounds_per_doubling = 8;
  static constexpr std::chrono::microseconds longest_wait{1000};

  /// A round made progress: the next idle round starts over.
  void reset() noexcept { idle_rounds_ = 0; }

  /// Counts an idle round and returns how long to wait before the next poll: zero
  /// (spin) for the first 64 rounds while chunks take under 100 µs
  /// (`chunk_seconds`: the last chunk's measured or expected duration), then 1 µs,
  /// doubling every 8 rounds, up to 1 ms.
  std::chrono::microseconds next_wait(double chunk_seconds) noexcept {
    ++idle_rounds_;
    const int spin = chunk_seconds < spin_below_chunk_seconds ? spin_rounds : 0;
    if (idle_rounds_ <= spin) return std::chrono::microseconds(0);
    const int doublings = std::min(10, (idle_rounds_ - spin) / rounds_per_doubling);
    return std::min(longest_wait, std::chrono::microseconds(1 << doublings));
  }

 private:
  int idle_rounds_ = 0;
};

}  // namespace rankpool::detail
