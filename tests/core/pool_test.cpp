// The pool's API under MPI: every test body runs on every rank; the driver lambda
// runs on rank 0 only, and the other ranks serve its chunks.
#include "rankpool/pool.hpp"
#include "rankpool/future.hpp"

// The public headers stay light: no scheduler, no threads (checked before anything
// else is included; GoogleTest brings <mutex> and friends).
namespace rankpool::detail {
template <class T, class = void>
inline constexpr bool is_complete = false;
template <class T>
inline constexpr bool is_complete<T, decltype(void(sizeof(T)))> = true;
static_assert(!is_complete<scheduler>, "rankpool/pool.hpp must not include detail/scheduler.hpp");
}  // namespace rankpool::detail
#if defined(_GLIBCXX_THREAD) || defined(_GLIBCXX_CONDITION_VARIABLE)
#error "rankpool/pool.hpp and rankpool/future.hpp must not include <thread> or <condition_variable>"
#endif

#include <gtest/gtest.h>

#include <boost/serialization/map.hpp>
#include <algorithm>
#include <boost/serialization/string.hpp>
#include <chrono>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>
#include <type_traits>

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
    ASSERT_EQ(got.size(), 37u);
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
      ASSERT_EQ(got.size(), words.size());
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
    ASSERT_EQ(got.size(), 50u);
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
          [](const rankpool::task_failure& f) { ADD_FAILURE() << f.describe(); }, call_options{.chunking = policy});
      EXPECT_EQ(seen.size(), 523u);
      EXPECT_EQ(summary.succeeded, 523u);
      EXPECT_EQ(summary.failed, 0u);
      EXPECT_EQ(sum, 522ull * 523 * 1045 / 6);
    }
  });
}

TEST(Pool, StreamAsyncDeliversSeveralBatchesWhileTheDriverPolls) {
  rankpool::pool pool(test_env(), rankpool::pool_options{.chunking = chunk_policy::fixed(3)});
  auto square = pool.define_task("square", [](std::uint64_t i) {
    if (i == 7) throw std::invalid_argument("no sevens");
    return i * i;
  });
  pool.run([&] {
    std::map<std::uint64_t, std::uint64_t> first, second;
    std::vector<rankpool::task_failure> failures;
    std::vector<rankpool::batch_summary> finished;
    const call_options keep_going{.on_error = rankpool::error_policy::keep_going};
    pool.stream_async(
        square, index_range{0, 100}, [&](std::uint64_t i, std::uint64_t v) { EXPECT_TRUE(first.emplace(i, v).second); },
        [&](const rankpool::task_failure& f) { failures.push_back(f); },
        [&](const rankpool::batch_summary& s) { finished.push_back(s); }, keep_going);
    pool.stream_async(
        square, std::vector<std::uint64_t>{20, 30, 40}, [&](std::uint64_t i, std::uint64_t v) { second.emplace(i, v); },
        [&](const rankpool::task_failure& f) { ADD_FAILURE() << f.describe(); },
        [&](const rankpool::batch_summary& s) { finished.push_back(s); });
    EXPECT_TRUE(finished.empty()) << "stream_async returns before its batch is done";
    while (finished.size() < 2) pool.poll(true);
    ASSERT_EQ(first.size(), 99u);
    for (const auto& [i, v] : first) EXPECT_EQ(v, i * i);
    EXPECT_EQ(first.count(7), 0u);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].index, 7u);
    EXPECT_EQ(failures[0].message, "no sevens");
    EXPECT_EQ(second, (std::map<std::uint64_t, std::uint64_t>{{0, 400}, {1, 900}, {2, 1600}}));
    std::uint64_t succeeded = 0, failed = 0;
    for (const auto& s : finished) succeeded += s.succeeded, failed += s.failed;
    EXPECT_EQ(succeeded, 102u);
    EXPECT_EQ(failed, 1u);
  });
}

TEST(Pool, ChunkTaskRunsEachChunkInOneCallAndFailsItemsOneByOne) {
  const int ranks = test_env().size();
  rankpool::pool pool(test_env(), rankpool::pool_options{.retries = 0});
  // Each result says which chunk the item came in (its first position and size), so
  // the driver can check that one call saw the whole chunk.
  auto tag = pool.define_chunk_task("tag", [](rankpool::chunk_items& items) {
    for (std::uint32_t i = 0; i < items.size(); ++i) {
      items.start(i);
      const std::string input(items.input(i).begin(), items.input(i).end());
      if (input == "bad") {
        items.fail(i, "ValueError", "bad input at " + std::to_string(items.position(i)));
        continue;
      }
      const std::string text = input + "@" + std::to_string(items.position(0)) + "+" + std::to_string(items.size());
      items.result(i).assign(text.begin(), text.end());
    }
  });
  auto throws = pool.define_chunk_task("throws", [](rankpool::chunk_items&) -> void {
    throw std::runtime_error("the whole chunk");
  });
  pool.run([&] {
    std::vector<std::string> inputs;
    for (int i = 0; i < 10; ++i) inputs.push_back(i == 6 ? "bad" : "x" + std::to_string(i));
    std::map<std::uint64_t, std::string> got;
    std::vector<rankpool::task_failure> failures;
    const auto summary = pool.for_each_completed(
        tag, inputs, [&](std::uint64_t i, std::string&& v) { got.emplace(i, std::move(v)); },
        [&](const rankpool::task_failure& f) { failures.push_back(f); },
        call_options{.chunking = chunk_policy::fixed(4), .on_error = rankpool::error_policy::keep_going});
    EXPECT_EQ(summary.succeeded, 9u);
    ASSERT_EQ(got.size(), 9u);
    for (std::uint64_t i = 0; i < 10; ++i) {
      if (i == 6) continue;
      const std::uint64_t chunk_first = i / 4 * 4;
      EXPECT_EQ(got[i], "x" + std::to_string(i) + "@" + std::to_string(chunk_first) + "+" +
                            std::to_string(std::min<std::uint64_t>(4, 10 - chunk_first)));
    }
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].index, 6u);
    EXPECT_EQ(failures[0].type, "ValueError");
    EXPECT_EQ(failures[0].message, "bad input at 6");
    EXPECT_LT(failures[0].rank, static_cast<std::uint32_t>(ranks));
    try {
      pool.map(throws, std::vector<std::string>{"a", "b"});
      ADD_FAILURE() << "a chunk task that throws fails its items";
    } catch (const rankpool::task_error& e) {
      EXPECT_EQ(e.message(), "the whole chunk");
      EXPECT_EQ(e.type(), "std::runtime_error");
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
  // The first batch is one chunk whose last item sleeps; the second batch's chunks
  // run meanwhile (on the other ranks, and on rank 0 inline in the scheduler loop while
  // its executor thread sleeps), so its results arrive before the first batch is done.
  rankpool::pool pool(test_env());
  auto slow_twice = pool.define_task("slow_twice", [](std::uint64_t i) {
    if (i == 299) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return 2 * i;
  });
  auto neg = pool.define_task("neg", [](std::uint64_t i) { return -static_cast<std::int64_t>(i); });
  std::vector<std::uint64_t> batch_of_chunk;
  pool.on_chunk_done([&](const rankpool::chunk_record& r) { batch_of_chunk.push_back(r.batch); });
  pool.run([&] {
    const auto one_item = call_options{.chunking = chunk_policy::fixed(1)};
    pool.map(neg, index_range{0, 10}, one_item);  // neg's item time is known from now on
    batch_of_chunk.clear();
    auto a = pool.map_async(slow_twice, index_range{0, 300}, call_options{.chunking = chunk_policy::fixed(300)});
    auto b = pool.map_async(neg, index_range{0, 200}, one_item);
    auto& rb = b.get();
    auto& ra = a.get();
    ASSERT_EQ(ra.size(), 300u);
    ASSERT_EQ(rb.size(), 200u);
    for (std::uint64_t i = 0; i < 300; ++i) ASSERT_EQ(ra[i], 2 * i);
    for (std::uint64_t i = 0; i < 200; ++i) ASSERT_EQ(rb[i], -static_cast<std::int64_t>(i));
    EXPECT_TRUE(a.ready());

    ASSERT_EQ(batch_of_chunk.size(), 201u) << "a: one chunk of 300, b: 200 chunks of 1";
    const std::uint64_t batch_a = *std::min_element(batch_of_chunk.begin(), batch_of_chunk.end());
    const auto a_done = std::find(batch_of_chunk.begin(), batch_of_chunk.end(), batch_a);
    EXPECT_GT(a_done - batch_of_chunk.begin(), 0) << "b's first result came back after a had finished: no overlap";
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
    ASSERT_EQ(got.size(), 60u);
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
  // Each item spins 20 µs, so the busy time can be no less than items x 20 µs.
  constexpr std::uint64_t items = 2000;
  static constexpr double item_seconds = 20e-6;
  rankpool::pool pool(test_env());
  auto spin = pool.define_task("spin", [](std::uint64_t i) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(item_seconds);
    while (std::chrono::steady_clock::now() < until) {
    }
    return static_cast<std::uint8_t>(i);
  });
  std::uint64_t traced = 0;
  double traced_busy = 0;
  std::set<std::uint32_t> ranks_seen;
  pool.on_chunk_done([&](const rankpool::chunk_record& r) {
    traced += r.count;
    traced_busy += r.busy;
    ranks_seen.insert(r.rank);
    EXPECT_LE(r.start, r.end);
    EXPECT_GE(r.busy, static_cast<double>(r.count) * item_seconds);
  });
  pool.run([&] {
    const auto got = pool.map(spin, index_range{0, items}, call_options{.chunking = chunk_policy::fixed(10)});
    ASSERT_EQ(got.size(), items);
    EXPECT_EQ(traced, items);
    EXPECT_GE(pool.busy_seconds(), static_cast<double>(items) * item_seconds);
    EXPECT_DOUBLE_EQ(pool.busy_seconds(), traced_busy);
    ASSERT_FALSE(ranks_seen.empty());
    for (auto r : ranks_seen) EXPECT_LT(static_cast<int>(r), pool.ranks());
  });
}

// ---- An API without ceremony ----

std::uint64_t cube_noexcept(std::uint64_t i) noexcept { return i * i * i; }

TEST(PoolApi, ArgumentsConvertToTheTasksTypes) {
  rankpool::pool pool(test_env());
  auto square = pool.define_task("square", [](std::uint64_t i) { return i * i; });
  auto plus = pool.define_reduction<std::uint64_t>("plus", std::plus<std::uint64_t>{});
  pool.run([&] {
    EXPECT_EQ(pool.submit(square, 12).get(), 144u);  // an int literal for a std::uint64_t argument
    EXPECT_EQ(pool.map_reduce(square, index_range{0, 4}, plus, 0), 14u);  // and for the initial value
    EXPECT_EQ(pool.map_reduce(square, std::vector<int>{1, 2, 3}, plus, 100), 114u);
  });
}

TEST(PoolApi, NoexceptLambdasFunctionPointersAndGenericLambdas) {
  rankpool::pool pool(test_env());
  auto noexcept_lambda = pool.define_task("noexcept_lambda", [](std::uint64_t i) noexcept { return i + 1; });
  auto function = pool.define_task("function", &cube_noexcept);
  auto plain_function = pool.define_task("plain_function", cube_noexcept);
  auto generic = pool.define_task<std::uint64_t>("generic", [](auto i) { return i * i; });
  auto generic_text = pool.define_task<std::string>("generic_text", [](const auto& s) { return s.size(); });
  static_assert(std::is_same_v<decltype(generic), rankpool::task<std::uint64_t(std::uint64_t)>>);
  static_assert(std::is_same_v<decltype(generic_text), rankpool::task<std::size_t(std::string)>>);
  static_assert(std::is_same_v<decltype(function), rankpool::task<std::uint64_t(std::uint64_t)>>);
  pool.run([&] {
    EXPECT_EQ(pool.submit(noexcept_lambda, 41).get(), 42u);
    EXPECT_EQ(pool.submit(function, 3).get(), 27u);
    EXPECT_EQ(pool.submit(plain_function, 4).get(), 64u);
    const auto squares = pool.map(generic, index_range{0, 50});
    ASSERT_EQ(squares.size(), 50u);
    for (std::uint64_t i = 0; i < 50; ++i) EXPECT_EQ(squares[i], i * i);
    EXPECT_EQ(pool.map(generic_text, std::vector<std::string>{"", "ab", "abcd"}), (std::vector<std::size_t>{0, 2, 4}));
  });
}

TEST(PoolApi, DefaultTaskIsEmptyUntilDefined) {
  rankpool::pool pool(test_env());
  rankpool::task<std::uint64_t(std::uint64_t)> empty;
  rankpool::reduction<std::uint64_t> no_fold;
  EXPECT_FALSE(empty.valid());
  EXPECT_FALSE(no_fold.valid());
  rankpool::task<std::uint64_t(std::uint64_t)> later;
  later = pool.define_task("later", [](std::uint64_t i) { return i + 7; });
  EXPECT_TRUE(later.valid());
  auto plus = pool.define_reduction<std::uint64_t>("plus", std::plus<std::uint64_t>{});
  pool.run([&] {
    auto expect_empty_error = [](auto&& call) {
      try {
        call();
        ADD_FAILURE() << "an empty task or reduction was accepted";
      } catch (const rankpool::error& e) {
        EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
      }
    };
    expect_empty_error([&] { pool.map(empty, index_range{0, 3}); });
    expect_empty_error([&] { pool.submit(empty, 1); });
    expect_empty_error([&] { pool.map_async(empty, std::vector<std::uint64_t>{1, 2}); });
    expect_empty_error([&] { pool.map_reduce(empty, index_range{0, 3}, plus, 0); });
    expect_empty_error([&] { pool.map_reduce(later, index_range{0, 3}, no_fold, 0); });
    EXPECT_EQ(pool.submit(later, 1).get(), 8u) << "the pool still works";
  });
}

TEST(PoolApi, TaskErrorCarriesEachFieldSeparately) {
  const int ranks = test_env().size();
  rankpool::pool pool(test_env(), rankpool::pool_options{.chunking = chunk_policy::fixed(1), .retries = 1});
  auto picky = pool.define_task("picky", [](std::uint64_t i) {
    if (i == 7) throw std::invalid_argument("no sevens: " + std::to_string(i));
    return i;
  });
  auto odd = pool.define_task("odd", [](std::uint64_t i) -> std::uint64_t {
    if (i == 2) throw 42;
    return i;
  });
  pool.run([&] {
    try {
      pool.map(picky, index_range{0, 20});
      ADD_FAILURE() << "map must throw";
    } catch (const rankpool::task_error& e) {
      EXPECT_EQ(e.index(), 7u);
      EXPECT_EQ(e.type(), "std::invalid_argument");
      EXPECT_EQ(e.message(), "no sevens: 7");
      EXPECT_EQ(e.attempts(), 2u) << "one retry";
      ASSERT_LT(static_cast<int>(e.rank()), ranks);
      EXPECT_EQ(e.host(), test_env().hosts()[e.rank()]);
      EXPECT_EQ(e.more(), 0u);
      EXPECT_EQ(e.failure().ranks, static_cast<std::uint32_t>(ranks));
      const std::string where =
          "Worker " + std::to_string(e.rank()) + " of " + std::to_string(ranks) + " on " + e.host();
      EXPECT_EQ(e.failure().describe(), where + ": no sevens: 7");
      EXPECT_EQ(std::string(e.what()), "task 7 failed after 2 attempts: " + where + ": no sevens: 7");
    }
    auto f = pool.submit(odd, 2, call_options{.retries = 0});
    try {
      f.get();
      ADD_FAILURE() << "get must throw";
    } catch (const rankpool::task_error& e) {
      EXPECT_EQ(e.type(), "int");
      EXPECT_EQ(e.message(), "unknown exception");
      EXPECT_EQ(e.attempts(), 1u);
      EXPECT_EQ(std::string(e.what()).rfind("task 0 failed: Worker ", 0), 0u) << e.what();
    }
    std::vector<rankpool::task_failure> failures;
    pool.for_each_completed(
        picky, index_range{5, 5}, [](std::uint64_t, std::uint64_t) {},
        [&](const rankpool::task_failure& failure) { failures.push_back(failure); },
        call_options{.retries = 0, .on_error = rankpool::error_policy::keep_going});
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].index, 2u) << "the position in the batch: index 5 + 2 is the 7";
    EXPECT_EQ(failures[0].type, "std::invalid_argument");
    EXPECT_EQ(failures[0].message, "no sevens: 7");
    EXPECT_EQ(failures[0].attempts, 1u);
    const auto& failure = failures[0];
    EXPECT_EQ(failure.describe(),
              rankpool::describe_rank(static_cast<int>(failure.rank), ranks, failure.host) + ": no sevens: 7");
  });
}

}  // namespace
