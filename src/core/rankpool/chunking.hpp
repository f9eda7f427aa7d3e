#pragma once
/// Chunk policies: how many items rank 0 hands an executor at once.
#include <cstdint>
#include <string>

namespace rankpool {

struct chunk_policy {
  enum class kind { fixed, guided, automatic };
  kind policy = kind::automatic;
  std::uint32_t size = 1;           ///< items per chunk (fixed); smallest chunk (guided)
  double target_seconds = 0.002;    ///< wall time an automatic chunk aims for on its executor

  static chunk_policy fixed(std::uint32_t n) { return {kind::fixed, n, 0.002}; }
  static chunk_policy guided(std::uint32_t min_size = 1) { return {kind::guided, min_size, 0.002}; }
  static chunk_policy automatic(double target_seconds = 0.002) { return {kind::automatic, 1, target_seconds}; }
  /// "auto", "guided", "guided:MIN" or a positive integer; throws usage_error ("is not
  /// auto, guided, ...": the caller names the text and where it came from) otherwise.
  static chunk_policy parse(const std::string& text);
  std::string to_string() const;
};

/// Sizes the chunks of one batch. Fixed: always `size`. Guided: a share of what is
/// left, shrinking toward the end. Automatic: as many items as fill target_seconds
/// on the executor's threads, judged from the durations measured so far, capped by
/// the guided share so the tail stays short.
class chunk_sizer {
 public:
  chunk_sizer(chunk_policy policy, int total_threads);
  std::uint32_t next(std::uint64_t remaining, int executor_threads) const;
  /// Feeds back a finished chunk: items and the thread-seconds they took.
  void observe(std::uint32_t items, double busy_seconds);
  double mean_item_seconds() const { return mean_item_seconds_; }

 private:
  chunk_policy policy_;
  int total_threads_;
  double mean_item_seconds_ = 0;  ///< 0 until the first chunk came back
  std::uint32_t largest_seen_ = 0;
};

}  // namespace rankpool
