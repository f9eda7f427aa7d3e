#include "rankpool/chunking.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rankpool/error.hpp"

namespace rankpool {
namespace {
constexpr std::uint64_t max_chunk_items = 1u << 22;  // keeps one result message well under 2 GiB
constexpr std::uint64_t min_items_per_thread = 16;

std::uint32_t parse_count(const std::string& text) {
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || text[0] == '-' || value == 0 || value > max_chunk_items)
    throw usage_error("is not auto, guided, guided:MIN or an integer in 1.." + std::to_string(max_chunk_items));
  return static_cast<std::uint32_t>(value);
}
}  // namespace

chunk_policy chunk_policy::parse(const std::string& text) {
  if (text == "auto") return automatic();
  if (text == "guided") return guided();
  if (text.rfind("guided:", 0) == 0) return guided(parse_count(text.substr(7)));
  return fixed(parse_count(text));
}

std::string chunk_policy::to_string() const {
  switch (policy) {
    case kind::fixed: return std::to_string(size);
    case kind::guided: return size == 1 ? "guided" : "guided:" + std::to_string(size);
    case kind::automatic: return "auto";
  }
  return "auto";
}

chunk_sizer::chunk_sizer(chunk_policy policy, int total_threads)
    : policy_(policy), total_threads_(std::max(1, total_threads)) {}

std::uint32_t chunk_sizer::next(std::uint64_t remaining, int executor_threads) const {
  if (remaining == 0) return 0;
  const auto threads = static_cast<std::uint64_t>(std::max(1, executor_threads));
  // Guided share: half of this executor's fair share of what is left.
  const std::uint64_t guided_share =
      std::max<std::uint64_t>(1, remaining * threads / (2 * static_cast<std::uint64_t>(total_threads_)));
  std::uint64_t items = 1;
  switch (policy_.policy) {
    case chunk_policy::kind::fixed:
      items = policy_.size;
      break;
    case chunk_policy::kind::guided:
      items = std::max<std::uint64_t>(policy_.size, guided_share);
      break;
    case chunk_policy::kind::automatic: {
      if (mean_item_seconds_ <= 0) {
        items = threads;  // probe: one item per thread until a duration is known
      } else {
        double fill = policy_.target_seconds * static_cast<double>(threads) / mean_item_seconds_;
        items = static_cast<std::uint64_t>(std::clamp(fill, 1.0, static_cast<double>(max_chunk_items)));
        // Grow at most 8x per step, so one short first measurement cannot hand out the whole batch.
        items = std::min<std::uint64_t>(items, std::max<std::uint64_t>(threads, 8ull * largest_seen_));
        // A rank's threads meet at the end of each chunk and wait for its slowest item:
        // enough items per thread keep that wait a small share of the chunk.
        if (threads > 1) items = std::max<std::uint64_t>(items, min_items_per_thread * threads);
      }
      items = std::max<std::uint64_t>(std::min(items, guided_share), std::min<std::uint64_t>(threads, remaining));
      break;
    }
  }
  return static_cast<std::uint32_t>(std::min({items, remaining, max_chunk_items}));
}

void chunk_sizer::observe(std::uint32_t items, double busy_seconds) {
  if (items == 0) return;
  largest_seen_ = std::max(largest_seen_, items);
  // Per-item time, floored so a no-op task cannot look free.
  const double per_item = std::max(busy_seconds / items, 1e-9);
  mean_item_seconds_ = mean_item_seconds_ <= 0 ? per_item : 0.7 * mean_item_seconds_ + 0.3 * per_item;
}

}  // namespace rankpool
