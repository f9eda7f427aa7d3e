// The pool's API under MPI: every test body runs on every rank; the driver lambda
// runs on rank 0 only, and the other ranks serve its chunks.
#include "rankpool/pool.hpp"

#include <gtest/gtest.h>

#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

#include "support/mpi_test_env.hpp"

namespace {

using rankpool::call_options;
using rankpool::chunk_policy;
using rankpool::index_range;

std::vector<chunk_policy> all_policies() {
  return {chunk_policy::fixed(1), chunk_policy::fixed(3), chunk_policy::fixed(64), chunk_policy::guided(),
          chunk_policy::guided(4), chunk_policy::automatic()};
}

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  return x ^ (x >> 27);
}

TEST(Pool, MapReturnsResultsInInputOrderForEveryPolicyAndSize) {
  rankpool::pool pool(test_env());
  auto hash = pool.define_task("hash", [](std::uint64_t i) { return mix(i); });
  pool.run([&] {
    for (auto policy : all_policies()) {
      for (std::uint64_t n : {0ull, 1ull, 2ull, 3ull, 5ull, 97ull, 1009ull}) {
        auto got = pool.map(hash, index_range{0, n}, call_options{.chunking = policy});
        ASSERT_EQ(got.size(), n) << policy.to_string();
        for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(got[i], mix(i)) << "policy " << policy.to_string();
      }
    }
  });
}

TEST(Pool, IndexRangeWithOffsetPassesAbsoluteIndices) {
  rankpool::pool pool(test_env());
  auto identity = pool.define_task("identity", [](std::uint64_t i) { return i; });
  pool.run([&] {
    auto got = pool.map(identity, index_range{1000, 37}, call_options{.chunking = chunk_policy::fixed(5)});
    for (std::uint64_t i = 0; i < 37; ++i) EXPECT_EQ(got[i], 1000 + i);
  });
}

TEST(Pool, MapWithExplicitInputsOfVariableSize) {
  rankpool::pool pool(test_env());
  auto shout = pool.define_task("shout", [](const std::string& s) { return s + "!" + std::to_string(s.size()); });
  pool.run([&] {
    std::vector<std::string> words;
    for (int i = 0; i < 211; ++i) words.push_back(std::string(static_cast<std::size_t>(i % 13), static_cast<char>('a' + i % 26)));
    for (auto policy : all_policies()) {
      auto got = pool.map(shout, words, call_options{.chunking = policy});
      for (std::size_t i = 0; i < words.size(); ++i) ASSERT_EQ(got[i], words[i] + "!" + std::to_string(words[i].size()));
    }
  });
}

TEST(Pool, SerializesNonTrivialTypesWithBoost) {
  rankpool::pool pool(test_env());
  auto count = pool.define_task("letter_counts", [](const std::string& s) {
    std::map<char, int> counts;
    for (char c : s) ++counts[c];
    return counts;
  });
  pool.run([&] {
    std::vector<std::string> texts{"hello", "", "mississippi", "rankpool"};
    auto got = pool.map(count, texts);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[2].at('s'), 4);
    EXPECT_EQ(got[2].at('i'), 4);
    EXPECT_TRUE(got[1].empty());
    EXPECT_EQ(got[0].at('l'), 2);
  });
}

TEST(Pool, VectorResults) {
  rankpool::pool pool(test_env());
  auto ramp = pool.define_task("ramp", [](std::uint64_t n) {
    std::vector<double> v(n);
    std::iota(v.begin(), v.end(), 0.5);
    return v;
  });
  pool.run([&] {
    auto got = pool.map(ramp, index_range{0, 50}, call_options{.chunking = chunk_policy::fixed(7)});
    for (std::size_t n = 0; n < got.size(); ++n) {
      ASSERT_EQ(got[n].size(), n);
      if (n) {
        EXPECT_DOUBLE_EQ(got[n].back(), static_cast<double>(n) - 0.5);
      }
    }
  });
}

TEST(Pool, ForEachCompletedDeliversEveryIndexExactlyOnce) {
  rankpool::pool pool(test_env());
  auto square = pool.define_task("square", [](std::uint64_t i) { return i * i; });
  pool.run([&] {
    for (auto policy : all_policies()) {
      std::set<std::uint64_t> seen;
      std::uint64_t sum = 0;
      auto summary = pool.for_each_completed(
          square, index_range{0, 523},
          [&](std::uint64_t index, std::uint64_t value) {
            EXPECT_TRUE(seen.insert(index).second) << "index " << index << " delivered twice";
            EXPECT_EQ(value, index * index);
            sum += value;
          },
          [](const rankpool::task_failure& f) { ADD_FAILURE() << f.message; }, call_options{.chunking = policy});
      EXPECT_EQ(seen.size(), 523u);
      EXPECT_EQ(summary.succeeded, 523u);
      EXPECT_EQ(summary.failed, 0u);
      EXPECT_EQ(sum, 522ull * 523 * 1045 / 6);
    }
  });
}

TEST(Pool, FuturesWaitAnyWaitAllAndCallbacks) {
  rankpool::pool pool(test_env());
  auto cube = pool.define_task("cube", [](int x) { return static_cast<long>(x) * x * x; });
  pool.run([&] {
    std::vector<rankpool::future<long>> futures;
    int callbacks = 0;
    for (int i = 0; i < 40; ++i) {
      futures.push_back(pool.submit(cube, i));
      futures.back().on_done([&callbacks](const rankpool::future<long>& f) {
        EXPECT_TRUE(f.ready());
        ++callbacks;
      });
    }
    const std::size_t first = rankpool::wait_any(futures);
    EXPECT_TRUE(futures[first].ready());
    rankpool::wait_all(futures);
    for (int i = 0; i < 40; ++i) EXPECT_EQ(futures[static_cast<std::size_t>(i)].get(), long{i} * i * i);
    EXPECT_EQ(callbacks, 40);
    bool late = false;
    futures[3].on_done([&late](const rankpool::future<long>&) { late = true; });
    EXPECT_TRUE(late) << "a callback on a finished future runs at once";
  });
}

TEST(Pool, MapAsyncOverlapsSeveralBatches) {
  rankpool::pool pool(test_env());
  auto twice = pool.define_task("twice", [](std::uint64_t i) { return 2 * i; });
  auto neg = pool.define_task("neg", [](std::uint64_t i) { return -static_cast<std::int64_t>(i); });
  pool.run([&] {
    auto a = pool.map_async(twice, index_range{0, 300});
    auto b = pool.map_async(neg, index_range{0, 200}, call_options{.chunking = chunk_policy::fixed(1)});
    auto& rb = b.get();
    auto& ra = a.get();
    for (std::uint64_t i = 0; i < 300; ++i) ASSERT_EQ(ra[i], 2 * i);
    for (std::uint64_t i = 0; i < 200; ++i) ASSERT_EQ(rb[i], -static_cast<std::int64_t>(i));
    EXPECT_TRUE(a.ready());
  });
}

TEST(Pool, MapReduceEqualsSerialReduction) {
  rankpool::pool pool(test_env());
  auto value = pool.define_task("value", [](std::uint64_t i) { return mix(i) % 1000003; });
  auto plus = pool.define_reduction<std::uint64_t>("plus", std::plus<std::uint64_t>{});
  pool.run([&] {
    for (std::uint64_t n : {0ull, 1ull, 3ull, 1000ull, 4999ull}) {
      std::uint64_t expected = 7;
      for (std::uint64_t i = 0; i < n; ++i) expected += mix(i) % 1000003;
      for (auto policy : all_policies()) {
        EXPECT_EQ(pool.map_reduce(value, index_range{0, n}, plus, std::uint64_t{7}, call_options{.chunking = policy}),
                  expected)
            << "n=" << n << " policy " << policy.to_string();
      }
    }
  });
}

TEST(Pool, TaskExceptionCarriesRankAndHostAndIsRethrownByGet) {
  rankpool::pool pool(test_env());
  auto picky = pool.define_task("picky", [](int x) {
    if (x == 13) throw std::runtime_error("unlucky thirteen");
    return x;
  });
  pool.run([&] {
    auto f = pool.submit(picky, 13);
    try {
      f.get();
      ADD_FAILURE() << "get() must rethrow";
    } catch (const rankpool::task_error& e) {
      EXPECT_EQ(e.index(), 0u);
      const std::string what = e.what();
      EXPECT_NE(what.find("unlucky thirteen"), std::string::npos) << what;
      EXPECT_NE(what.find("Worker "), std::string::npos) << what;
      EXPECT_NE(what.find(" on "), std::string::npos) << what;
    }
    EXPECT_EQ(pool.submit(picky, 12).get(), 12);
  });
}

TEST(Pool, AbortPolicyStopsDispatchAndThrows) {
  rankpool::pool pool(test_env(), rankpool::pool_options{.chunking = chunk_policy::fixed(1)});
  auto fail_at_five = pool.define_task("fail_at_five", [](std::uint64_t i) {
    if (i == 5) throw std::invalid_argument("bad item five");
    return i;
  });
  pool.run([&] {
    std::uint64_t delivered = 0;
    std::vector<rankpool::task_failure> failures;
    auto summary = pool.for_each_completed(
        fail_at_five, index_range{0, 5000}, [&](std::uint64_t, std::uint64_t) { ++delivered; },
        [&](const rankpool::task_failure& f) { failures.push_back(f); });
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].index, 5u);
    EXPECT_GT(summary.cancelled, 0u) << "abort must leave most of 5000 items undispatched";
    EXPECT_EQ(summary.succeeded + summary.failed + summary.cancelled, 5000u);
    EXPECT_EQ(summary.succeeded, delivered);
    EXPECT_THROW(pool.map(fail_at_five, index_range{0, 50}), rankpool::task_error);
  });
}

TEST(Pool, ContinuePolicyRunsEverythingAndRecordsFailures) {
  rankpool::pool pool(test_env(), rankpool::pool_options{.on_error = rankpool::error_policy::keep_going});
  auto odd_fails = pool.define_task("odd_fails", [](std::uint64_t i) {
    if (i % 2) throw std::runtime_error("odd " + std::to_string(i));
    return i;
  });
  pool.run([&] {
    auto handle = pool.map_async(odd_fails, index_range{0, 101});
    const auto& failures = handle.failures();
    ASSERT_EQ(failures.size(), 50u);
    std::set<std::uint64_t> failed;
    for (const auto& f : failures) {
      failed.insert(f.index);
      EXPECT_NE(f.message.find("odd " + std::to_string(f.index)), std::string::npos);
    }
    EXPECT_EQ(*failed.begin(), 1u);
    EXPECT_EQ(*failed.rbegin(), 99u);
    try {
      handle.get();
      ADD_FAILURE() << "get() throws when tasks failed";
    } catch (const rankpool::task_error& e) {
      EXPECT_EQ(e.index(), 1u);
      EXPECT_NE(std::string(e.what()).find("and 49 more"), std::string::npos) << e.what();
    }
  });
}

TEST(Pool, RetriesRecoverFlakyTasks) {
  // Fails on the first attempt of each item on each rank, succeeds on a later one:
  // attempts are counted per rank, so an item may fail once on every rank before
  // it lands on one that has seen it. ranks + 1 attempts are always enough.
  const int ranks = test_env().size();
  rankpool::pool pool(test_env(), rankpool::pool_options{.chunking = chunk_policy::fixed(2), .retries = ranks});
  std::map<std::uint64_t, int> attempts;
  std::mutex attempts_mutex;
  auto flaky = pool.define_task("flaky", [&](std::uint64_t i) {
    std::lock_guard lock(attempts_mutex);
    if (i % 3 == 0 && attempts[i]++ == 0) throw std::runtime_error("transient");
    return i + 1;
  });
  auto always = pool.define_task("always", [](std::uint64_t) -> int { throw std::runtime_error("permanent"); });
  pool.run([&] {
    auto got = pool.map(flaky, index_range{0, 60});
    for (std::uint64_t i = 0; i < 60; ++i) EXPECT_EQ(got[i], i + 1);
    auto handle = pool.map_async(always, index_range{0, 1});
    ASSERT_EQ(handle.failures().size(), 1u);
    EXPECT_EQ(handle.failures()[0].attempts, static_cast<std::uint32_t>(ranks + 1));
  });
}

TEST(Pool, DriverExceptionStillShutsDownCleanly) {
  rankpool::pool pool(test_env());
  auto slowish = pool.define_task("slowish", [](std::uint64_t i) { return mix(i); });
  if (pool.is_root()) {
    EXPECT_THROW(pool.run([&] {
      pool.map_async(slowish, index_range{0, 100000});
      throw std::logic_error("driver gave up");
    }),
                 std::logic_error);
  } else {
    pool.run([] {});
  }
  // The pool is usable again afterwards, on every rank.
  pool.run([&] { EXPECT_EQ(pool.map(slowish, index_range{0, 3})[2], mix(2)); });
}

TEST(Pool, ResultsIdenticalForAnyChunking) {
  rankpool::pool pool(test_env());
  auto f = pool.define_task("float_work", [](std::uint64_t i) {
    double x = static_cast<double>(i) * 0.001;
    for (int k = 0; k < 50; ++k) x = x * x * 0.5 + 0.1;
    return x;
  });
  pool.run([&] {
    auto reference = pool.map(f, index_range{0, 777}, call_options{.chunking = chunk_policy::fixed(1)});
    for (auto policy : all_policies()) EXPECT_EQ(pool.map(f, index_range{0, 777}, call_options{.chunking = policy}), reference);
  });
}

TEST(Pool, BusySecondsAndTraceCoverEveryItem) {
  rankpool::pool pool(test_env());
  auto noop = pool.define_task("noop", [](std::uint64_t i) { return static_cast<std::uint8_t>(i); });
  std::uint64_t traced = 0;
  std::set<std::uint32_t> ranks_seen;
  pool.on_chunk_done([&](const rankpool::chunk_record& r) {
    traced += r.count;
    ranks_seen.insert(r.rank);
    EXPECT_LE(r.start, r.end);
  });
  pool.run([&] {
    pool.map(noop, index_range{0, 20000}, call_options{.chunking = chunk_policy::fixed(10)});
    EXPECT_EQ(traced, 20000u);
    EXPECT_GE(pool.busy_seconds(), 0.0);
    for (auto r : ranks_seen) EXPECT_LT(static_cast<int>(r), pool.ranks());
  });
}

}  // namespace
