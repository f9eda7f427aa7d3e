// Chunk policies: parsing and printing them, and the chunk sizes chunk_sizer hands out.
#include "rankpool/chunking.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "rankpool/error.hpp"

namespace {

using rankpool::chunk_policy;
using rankpool::chunk_sizer;

constexpr std::uint64_t max_chunk_items = 1u << 22;

TEST(ChunkPolicy, ParseAndToStringRoundTrip) {
  EXPECT_EQ(chunk_policy::parse("auto").policy, chunk_policy::kind::automatic);
  const auto guided = chunk_policy::parse("guided");
  EXPECT_EQ(guided.policy, chunk_policy::kind::guided);
  EXPECT_EQ(guided.size, 1u);
  const auto guided_min = chunk_policy::parse("guided:8");
  EXPECT_EQ(guided_min.policy, chunk_policy::kind::guided);
  EXPECT_EQ(guided_min.size, 8u);
  const auto fixed = chunk_policy::parse("17");
  EXPECT_EQ(fixed.policy, chunk_policy::kind::fixed);
  EXPECT_EQ(fixed.size, 17u);
  EXPECT_EQ(chunk_policy::parse(std::to_string(max_chunk_items)).size, max_chunk_items);
  for (const char* text : {"auto", "guided", "guided:8", "17", "1"})
    EXPECT_EQ(chunk_policy::parse(text).to_string(), text);
  EXPECT_EQ(chunk_policy::guided(1).to_string(), "guided");
  EXPECT_EQ(chunk_policy::automatic(0.5).to_string(), "auto");
}

TEST(ChunkPolicy, BadStringsThrowUsageError) {
  const std::vector<std::string> bad{
      "", "0", "-3", "abc", "12x", "1.5", "guided:", "guided:0", "guided:-1", "guided:x", "Auto", "auto2", "fixed",
      std::to_string(max_chunk_items + 1), "99999999999999999999"};
  for (const std::string& text : bad) {
    try {
      chunk_policy::parse(text);
      ADD_FAILURE() << "'" << text << "' parsed";
    } catch (const rankpool::usage_error& e) {
      EXPECT_NE(std::string(e.what()).find("is not auto, guided"), std::string::npos) << e.what();
    }
  }
}

TEST(ChunkSizer, FixedHandsOutSizeThenTheTail) {
  chunk_sizer sizer(chunk_policy::fixed(64), 8);
  EXPECT_EQ(sizer.next(1000, 4), 64u);
  EXPECT_EQ(sizer.next(64, 1), 64u);
  EXPECT_EQ(sizer.next(63, 4), 63u) << "the tail";
  EXPECT_EQ(sizer.next(1, 4), 1u);
  EXPECT_EQ(sizer.next(0, 4), 0u);
  sizer.observe(64, 10.0);  // measurements do not change a fixed size
  EXPECT_EQ(sizer.next(1000, 4), 64u);
}

TEST(ChunkSizer, GuidedIsHalfTheExecutorsFairShareAtLeastMin) {
  chunk_sizer sizer(chunk_policy::guided(), 8);
  EXPECT_EQ(sizer.next(1000, 2), 125u) << "1000 * 2 / (2 * 8)";
  EXPECT_EQ(sizer.next(1000, 8), 500u);
  EXPECT_EQ(sizer.next(7, 2), 1u) << "shrinks to one item near the end";
  EXPECT_EQ(sizer.next(1, 8), 1u);
  chunk_sizer with_min(chunk_policy::guided(10), 8);
  EXPECT_EQ(with_min.next(1000, 2), 125u);
  EXPECT_EQ(with_min.next(50, 2), 10u) << "never below MIN";
  EXPECT_EQ(with_min.next(4, 2), 4u) << "except for the tail";
}

TEST(ChunkSizer, AutoProbesWithOneItemPerThread) {
  chunk_sizer sizer(chunk_policy::automatic(), 6);
  EXPECT_EQ(sizer.mean_item_seconds(), 0.0);
  EXPECT_EQ(sizer.next(1000, 4), 4u);
  EXPECT_EQ(sizer.next(1000, 1), 1u);
  EXPECT_EQ(sizer.next(3, 4), 3u) << "fewer items than threads";
}

TEST(ChunkSizer, AutoGrowsAtMostEightfoldPerStep) {
  chunk_sizer sizer(chunk_policy::automatic(), 1);
  const std::uint64_t remaining = 100'000'000;
  std::uint32_t items = sizer.next(remaining, 1);
  ASSERT_EQ(items, 1u);
  for (std::uint32_t expected : {8u, 64u, 512u, 4096u}) {
    sizer.observe(items, items * 1e-9);  // a no-op task: would fill 2 ms with 2 million items at once
    items = sizer.next(remaining, 1);
    EXPECT_EQ(items, expected);
  }
}

TEST(ChunkSizer, AutoFillsTheTargetTime) {
  chunk_sizer sizer(chunk_policy::automatic(0.002), 1);
  sizer.observe(1, 1e-4);  // 100 µs per item: 20 items fill 2 ms (within the 8x growth cap)
  EXPECT_DOUBLE_EQ(sizer.mean_item_seconds(), 1e-4);
  EXPECT_EQ(sizer.next(1'000'000, 1), 8u) << "growth cap: 8 x the largest chunk seen (1)";
  sizer.observe(8, 8e-4);
  EXPECT_EQ(sizer.next(1'000'000, 1), 20u);
  sizer.observe(20, 20 * 3e-4);  // smoothed: 0.7 * 100 µs + 0.3 * 300 µs
  EXPECT_NEAR(sizer.mean_item_seconds(), 1.6e-4, 1e-12);
  EXPECT_EQ(sizer.next(1'000'000, 1), 12u);
}

TEST(ChunkSizer, AutoKeepsSixteenItemsPerThreadWithinTheGuidedShare) {
  chunk_sizer sizer(chunk_policy::automatic(), 4);
  sizer.observe(4, 4 * 1e-3);  // 1 ms items: 8 would fill 2 ms on 4 threads
  EXPECT_EQ(sizer.next(10'000, 4), 64u) << "16 items per thread";
  EXPECT_EQ(sizer.next(100, 4), 50u) << "but no more than the guided share, 100 * 4 / (2 * 4)";
  EXPECT_EQ(sizer.next(2, 4), 2u) << "the tail";
  chunk_sizer one_thread(chunk_policy::automatic(), 4);
  one_thread.observe(1, 1e-3);
  EXPECT_EQ(one_thread.next(10'000, 1), 2u) << "one thread waits for nobody: 2 ms / 1 ms";
}

TEST(ChunkSizer, AutoNeverExceedsTheLargestChunk) {
  chunk_sizer sizer(chunk_policy::automatic(10.0), 1);
  std::uint32_t items = sizer.next(~0ull, 1);
  for (int step = 0; step < 12; ++step) {
    sizer.observe(items, items * 1e-9);
    items = sizer.next(~0ull, 1);
    EXPECT_LE(items, max_chunk_items);
  }
  EXPECT_EQ(items, max_chunk_items);
  chunk_sizer fixed(chunk_policy::fixed(static_cast<std::uint32_t>(max_chunk_items)), 1);
  EXPECT_EQ(fixed.next(~0ull, 1), max_chunk_items);
}

TEST(ChunkSizer, ObserveFloorsFreeItemsAndIgnoresEmptyChunks) {
  chunk_sizer sizer(chunk_policy::automatic(), 1);
  sizer.observe(0, 5.0);
  EXPECT_EQ(sizer.mean_item_seconds(), 0.0);
  sizer.observe(10, 0.0);
  EXPECT_DOUBLE_EQ(sizer.mean_item_seconds(), 1e-9) << "a no-op task cannot look free";
}

}  // namespace
