// The wire protocol without MPI: every message layout encoded and decoded back, and
// truncated or malformed messages refused.
#include "rankpool/detail/wire.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace wire = rankpool::detail::wire;
using rankpool::byte_buffer;
using rankpool::byte_view;

wire::chunk_header make_chunk_header(std::uint32_t count, bool has_inputs) {
  return wire::chunk_header{.chunk_id = 77,
                            .first = 1000,
                            .index_base = 5,
                            .count = count,
                            .task_id = 3,
                            .reduction_id = wire::no_reduction,
                            .has_inputs = has_inputs ? 1u : 0u};
}

wire::result_header make_result_header(std::uint32_t count, std::uint32_t failed, std::uint32_t layout) {
  return wire::result_header{.chunk_id = 91,
                             .count = count,
                             .failed = failed,
                             .layout = layout,
                             .item_bytes = 0,
                             .threads_used = 2,
                             .rank = 3,
                             .start_seconds = 1.25,
                             .end_seconds = 2.5,
                             .busy_seconds = 2.0};
}

void expect_same_header(const wire::result_header& a, const wire::result_header& b) {
  EXPECT_EQ(a.chunk_id, b.chunk_id);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.failed, b.failed);
  EXPECT_EQ(a.layout, b.layout);
  EXPECT_EQ(a.item_bytes, b.item_bytes);
  EXPECT_EQ(a.threads_used, b.threads_used);
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.start_seconds, b.start_seconds);
  EXPECT_EQ(a.end_seconds, b.end_seconds);
  EXPECT_EQ(a.busy_seconds, b.busy_seconds);
}

/// Decodes a result message of T values (fixed or variable) as rank 0 does; failed items are skipped.
template <class T>
std::map<std::uint32_t, T> decode_values(byte_view message) {
  const wire::result_view result = wire::decode_result(message);
  std::map<std::uint32_t, T> values;
  auto is_ok = [&](std::uint32_t i) { return result.failed_flags.empty() || result.failed_flags[i] == 0; };
  wire::decode_results<T>(result.header.layout, result.header.count, result.body, is_ok,
                          [&](std::uint32_t i, T&& value) { values.emplace(i, std::move(value)); });
  return values;
}

byte_buffer fixed_result_message(const std::vector<std::uint32_t>& values) {
  byte_buffer body, message;
  const auto count = static_cast<std::uint32_t>(values.size());
  const wire::fixed_results_writer<std::uint32_t> writer(count, body);
  for (std::uint32_t i = 0; i < count; ++i) writer.set(i, values[i]);
  auto header = make_result_header(count, 0, writer.layout);
  header.item_bytes = writer.item_bytes;
  wire::encode_result(header, {}, {}, body, message);
  return message;
}

byte_buffer variable_result_message(const std::vector<std::string>& values) {
  std::vector<byte_buffer> items(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) rankpool::codec<std::string>::encode(values[i], items[i]);
  byte_buffer body, message;
  wire::encode_variable_results(items, body);
  wire::encode_result(make_result_header(static_cast<std::uint32_t>(values.size()), 0, wire::variable_results), {},
                      {}, body, message);
  return message;
}

TEST(Wire, TagsAreDistinctAndNamed) {
  EXPECT_NE(static_cast<int>(wire::tag::chunk), static_cast<int>(wire::tag::result));
  EXPECT_NE(static_cast<int>(wire::tag::result), static_cast<int>(wire::tag::stop));
  EXPECT_NE(static_cast<int>(wire::tag::chunk), static_cast<int>(wire::tag::stop));
  EXPECT_STREQ(wire::tag_name(wire::tag::chunk), "chunk");
  EXPECT_STREQ(wire::tag_name(wire::tag::result), "result");
  EXPECT_STREQ(wire::tag_name(wire::tag::stop), "stop");
}

TEST(Wire, IndexRangeChunkIsItsHeaderAlone) {
  byte_buffer message{'o', 'l', 'd'};
  wire::encode_chunk(make_chunk_header(12, false), message);
  EXPECT_EQ(message.size(), sizeof(wire::chunk_header)) << "encode_chunk clears the buffer first";
  const wire::chunk_view chunk = wire::decode_chunk(message);
  EXPECT_FALSE(chunk.has_inputs());
  EXPECT_EQ(chunk.header.chunk_id, 77u);
  EXPECT_EQ(chunk.header.first, 1000u);
  EXPECT_EQ(chunk.header.index_base, 5u);
  EXPECT_EQ(chunk.header.count, 12u);
  EXPECT_EQ(chunk.header.task_id, 3u);
  EXPECT_EQ(chunk.header.reduction_id, wire::no_reduction);
  EXPECT_TRUE(chunk.inputs.empty());
}

TEST(Wire, ChunkWithVariableSizeInputs) {
  const std::vector<std::string> inputs{"zero", "", "two", std::string("th\0ree", 6), "four"};
  byte_buffer message;
  wire::encode_chunk(make_chunk_header(3, true), message);
  wire::encode_chunk_inputs(inputs, 1, 3, message);  // items 1, 2, 3
  const wire::chunk_view chunk = wire::decode_chunk(message);
  ASSERT_TRUE(chunk.has_inputs());
  EXPECT_EQ(chunk.header.count, 3u);
  for (std::uint32_t i = 0; i < 3; ++i)
    EXPECT_EQ(rankpool::codec<std::string>::decode(chunk.input(i)), inputs[1 + i]) << "input " << i;
}

TEST(Wire, ChunkWithFixedSizeInputs) {
  std::vector<double> inputs(100);
  for (std::size_t i = 0; i < inputs.size(); ++i) inputs[i] = 0.5 * static_cast<double>(i);
  byte_buffer message;
  wire::encode_chunk(make_chunk_header(100, true), message);
  wire::encode_chunk_inputs(inputs, 0, 100, message);
  EXPECT_EQ(message.size(), sizeof(wire::chunk_header) + 101 * sizeof(std::uint64_t) + 100 * sizeof(double));
  const wire::chunk_view chunk = wire::decode_chunk(message);
  for (std::uint32_t i = 0; i < 100; ++i) ASSERT_EQ(rankpool::codec<double>::decode(chunk.input(i)), inputs[i]);
}

TEST(Wire, FixedResults) {
  const std::vector<std::uint32_t> values{4, 8, 15, 16, 23, 42};
  const byte_buffer message = fixed_result_message(values);
  EXPECT_EQ(message.size(), sizeof(wire::result_header) + values.size() * sizeof(std::uint32_t))
      << "no per-item framing";
  const wire::result_view result = wire::decode_result(message);
  auto expected = make_result_header(6, 0, wire::fixed_results);
  expected.item_bytes = sizeof(std::uint32_t);
  expect_same_header(result.header, expected);
  EXPECT_TRUE(result.failures.empty());
  EXPECT_TRUE(result.failed_flags.empty());
  EXPECT_EQ(result.body_offset, sizeof(wire::result_header));
  const auto got = decode_values<std::uint32_t>(message);
  ASSERT_EQ(got.size(), values.size());
  for (std::uint32_t i = 0; i < values.size(); ++i) EXPECT_EQ(got.at(i), values[i]);
}

TEST(Wire, VariableResults) {
  const std::vector<std::string> values{"alpha", "", "gamma delta", std::string(1000, 'x')};
  const byte_buffer message = variable_result_message(values);
  expect_same_header(wire::decode_result(message).header, make_result_header(4, 0, wire::variable_results));
  const auto got = decode_values<std::string>(message);
  ASSERT_EQ(got.size(), values.size());
  for (std::uint32_t i = 0; i < values.size(); ++i) EXPECT_EQ(got.at(i), values[i]);
}

TEST(Wire, ReducedResultWithAndWithoutAPartial) {
  using partial_fold = std::optional<std::uint64_t>;
  for (const partial_fold partial : {partial_fold(123456789), partial_fold()}) {
    byte_buffer body{'x'}, message;
    wire::encode_reduced_result(partial, body);
    wire::encode_result(make_result_header(17, 0, wire::reduced_result), {}, {}, body, message);
    const wire::result_view result = wire::decode_result(message);
    expect_same_header(result.header, make_result_header(17, 0, wire::reduced_result));
    EXPECT_EQ(wire::decode_reduced_result<std::uint64_t>(result.header.layout, result.body), partial);
  }
}

TEST(Wire, ReducedResultOfASerializedType) {
  const std::optional<std::string> partial("a long partial fold");
  byte_buffer body, message;
  wire::encode_reduced_result(partial, body);
  wire::encode_result(make_result_header(2, 0, wire::reduced_result), {}, {}, body, message);
  const wire::result_view result = wire::decode_result(message);
  EXPECT_EQ(wire::decode_reduced_result<std::string>(result.header.layout, result.body), partial);
}

TEST(Wire, FailuresCarryTypeAndMessageSeparately) {
  // Items 1 and 3 of 4 failed; the body still holds every slot.
  byte_buffer body, message;
  const wire::fixed_results_writer<std::uint32_t> writer(4, body);
  writer.set(0, 10);
  writer.set(2, 12);
  const std::vector<std::uint8_t> flags{0, 1, 0, 1};
  const std::vector<wire::failure_record> failures{{3, "std::invalid_argument", "bad item: three"},
                                                   {1, "int", "unknown exception"}};
  auto header = make_result_header(4, 2, writer.layout);
  header.item_bytes = writer.item_bytes;
  wire::encode_result(header, flags, failures, body, message);

  const wire::result_view result = wire::decode_result(message);
  expect_same_header(result.header, header);
  ASSERT_EQ(result.failed_flags.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(result.failed_flags[i] != 0, flags[i] != 0) << "flag " << i;
  ASSERT_EQ(result.failures.size(), 2u);
  for (std::size_t f = 0; f < 2; ++f) {
    EXPECT_EQ(result.failures[f].item, failures[f].item);
    EXPECT_EQ(result.failures[f].type, failures[f].type);
    EXPECT_EQ(result.failures[f].message, failures[f].message);
  }
  const auto got = decode_values<std::uint32_t>(message);
  ASSERT_EQ(got.size(), 2u) << "failed items are not decoded";
  EXPECT_EQ(got.at(0), 10u);
  EXPECT_EQ(got.at(2), 12u);
}

TEST(Wire, StopSaysWhetherRanksWereLost) {
  byte_buffer message{'x', 'y'};
  wire::encode_stop(message, false);
  ASSERT_EQ(message.size(), 1u);
  EXPECT_FALSE(wire::decode_stop(message));
  wire::encode_stop(message, true);
  EXPECT_TRUE(wire::decode_stop(message));
  for (const byte_buffer& garbage : {byte_buffer{}, byte_buffer{'x'}, byte_buffer{0, 0}})
    EXPECT_THROW(wire::decode_stop(garbage), rankpool::error);
}

TEST(Wire, CrashNoticeRoundTrips) {
  const wire::crash_notice sent{42, 7, 11};
  byte_buffer message(sizeof sent);
  std::memcpy(message.data(), &sent, sizeof sent);
  const wire::crash_notice got = wire::decode_crash(message);
  EXPECT_EQ(got.chunk_id, 42u);
  EXPECT_EQ(got.item, 7u);
  EXPECT_EQ(got.signal, 11);
  message.pop_back();
  EXPECT_THROW(wire::decode_crash(message), rankpool::error);
}

/// Every proper prefix of `message` must be refused by `decode`.
template <class Decode>
void expect_every_truncation_throws(const byte_buffer& message, Decode&& decode, const char* what) {
  for (std::size_t size = 0; size < message.size(); ++size)
    EXPECT_THROW(decode(byte_view(message).first(size)), rankpool::error) << what << " cut to " << size << " bytes";
}

TEST(Wire, TruncatedMessagesThrow) {
  byte_buffer chunk;
  wire::encode_chunk(make_chunk_header(3, true), chunk);
  wire::encode_chunk_inputs(std::vector<std::string>{"a", "bb", "ccc"}, 0, 3, chunk);
  expect_every_truncation_throws(chunk, [](byte_view m) { wire::decode_chunk(m); }, "chunk");

  expect_every_truncation_throws(fixed_result_message({1, 2, 3}), [](byte_view m) { decode_values<std::uint32_t>(m); },
                                 "fixed result");
  expect_every_truncation_throws(variable_result_message({"one", "two", "three"}),
                                 [](byte_view m) { decode_values<std::string>(m); }, "variable result");

  byte_buffer body, reduced;
  wire::encode_reduced_result(std::optional<std::uint64_t>(7), body);
  wire::encode_result(make_result_header(1, 0, wire::reduced_result), {}, {}, body, reduced);
  expect_every_truncation_throws(
      reduced,
      [](byte_view m) {
        const auto r = wire::decode_result(m);
        wire::decode_reduced_result<std::uint64_t>(r.header.layout, r.body);
      },
      "reduced result");

  byte_buffer failed;
  const std::vector<std::uint8_t> flags{1};
  const std::vector<wire::failure_record> failures{{0, "std::runtime_error", "boom"}};
  wire::encode_result(make_result_header(1, 1, wire::variable_results), flags, failures, byte_view(), failed);
  expect_every_truncation_throws(failed, [](byte_view m) { wire::decode_result(m); }, "result with a failure");
}

TEST(Wire, GarbageThrows) {
  // An index-range chunk with bytes after its header.
  byte_buffer stray;
  wire::encode_chunk(make_chunk_header(2, false), stray);
  stray.push_back('!');
  EXPECT_THROW(wire::decode_chunk(stray), rankpool::error);

  // Input offsets that go backwards.
  byte_buffer backwards;
  wire::encode_chunk(make_chunk_header(2, true), backwards);
  for (std::uint64_t offset : {0ull, 5ull, 3ull}) rankpool::codec<std::uint64_t>::encode(offset, backwards);
  backwards.resize(backwards.size() + 5);
  EXPECT_THROW(wire::decode_chunk(backwards), rankpool::error);

  // More failures than items; a failure record naming an item that did not fail or does not exist.
  byte_buffer message;
  const std::vector<std::uint8_t> flags{1, 0};
  wire::encode_result(make_result_header(2, 3, wire::variable_results), flags, {}, byte_view(), message);
  EXPECT_THROW(wire::decode_result(message), rankpool::error);
  for (std::uint32_t item : {1u, 2u}) {
    wire::encode_result(make_result_header(2, 1, wire::variable_results), flags, {{item, "int", "x"}}, byte_view(),
                        message);
    EXPECT_THROW(wire::decode_result(message), rankpool::error) << "item " << item;
  }

  // A body in another layout than the reader expects, or an unknown one.
  const byte_buffer fixed = fixed_result_message({1, 2});
  const auto result = wire::decode_result(fixed);
  EXPECT_THROW(wire::decode_reduced_result<std::uint32_t>(result.header.layout, result.body), rankpool::error);
  auto ignore = [](std::uint32_t, std::string&&) {};
  auto all_ok = [](std::uint32_t) { return true; };
  EXPECT_THROW(wire::decode_results<std::string>(result.header.layout, 2, result.body, all_ok, ignore),
               rankpool::error)
      << "fixed_results cannot hold strings";
  EXPECT_THROW(wire::decode_results<std::string>(99, 2, result.body, all_ok, ignore), rankpool::error);
  // A fixed body whose size does not match count values.
  EXPECT_THROW(wire::decode_results<std::uint32_t>(wire::fixed_results, 3, result.body, all_ok,
                                                   [](std::uint32_t, std::uint32_t) {}),
               rankpool::error);
}

}  // namespace
