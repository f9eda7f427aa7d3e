// codec<T>: every kind of value the wire carries, encoded and decoded back.
#include "rankpool/codec.hpp"

#include <gtest/gtest.h>

#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace {

using rankpool::byte_buffer;
using rankpool::codec;

struct point {
  double x;
  std::int32_t id;
  bool operator==(const point&) const = default;
};

/// Not trivially copyable: travels through Boost.Serialization.
struct record {
  std::string name;
  std::vector<int> values;
  std::map<std::string, double> weights;
  bool operator==(const record&) const = default;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & name & values & weights;
  }
};

/// Encodes after a prefix (inputs are appended to a chunk message), then decodes the appended part.
template <class T>
T round_trip(const T& value, std::size_t* encoded_size = nullptr) {
  byte_buffer out{'p', 'r', 'e'};
  codec<T>::encode(value, out);
  EXPECT_EQ(std::string(out.data(), 3), "pre") << "encode appends";
  if (encoded_size) *encoded_size = out.size() - 3;
  return codec<T>::decode(rankpool::byte_view(out).subspan(3));
}

TEST(Codec, TriviallyCopyableValuesAreTheirBytes) {
  static_assert(codec<int>::fixed_size && codec<double>::fixed_size && codec<point>::fixed_size);
  std::size_t size = 0;
  EXPECT_EQ(round_trip(-17, &size), -17);
  EXPECT_EQ(size, sizeof(int));
  EXPECT_EQ(round_trip(2.5e-300, &size), 2.5e-300);
  EXPECT_EQ(size, sizeof(double));
  EXPECT_EQ(round_trip(point{1.5, 7}, &size), (point{1.5, 7}));
  EXPECT_EQ(size, sizeof(point));

  char slot[sizeof(std::uint64_t)];
  codec<std::uint64_t>::encode_at(0x0123456789abcdefull, slot);
  EXPECT_EQ(codec<std::uint64_t>::decode(rankpool::byte_view(slot, sizeof slot)), 0x0123456789abcdefull);
}

TEST(Codec, VectorsOfTriviallyCopyableAreRawRuns) {
  static_assert(!codec<std::vector<double>>::fixed_size);
  const std::vector<double> values{0.5, -1.0, 3.25};
  std::size_t size = 0;
  EXPECT_EQ(round_trip(values, &size), values);
  EXPECT_EQ(size, values.size() * sizeof(double)) << "no length prefix: the wire's offsets frame it";
  EXPECT_TRUE(round_trip(std::vector<std::uint16_t>{}, &size).empty());
  EXPECT_EQ(size, 0u);
  EXPECT_EQ(round_trip(std::vector<point>{{1, 2}, {3, 4}}), (std::vector<point>{{1, 2}, {3, 4}}));
}

TEST(Codec, StringsAreRawRuns) {
  const std::string text("with\0nul and more", 17);
  std::size_t size = 0;
  EXPECT_EQ(round_trip(text, &size), text);
  EXPECT_EQ(size, text.size());
  EXPECT_EQ(round_trip(std::string()), "");
}

TEST(Codec, OtherTypesGoThroughBoostSerialization) {
  static_assert(!codec<record>::fixed_size && !codec<std::map<std::string, int>>::fixed_size);
  const record r{"sample", {1, 2, 3}, {{"a", 0.25}, {"b", -4.0}}};
  EXPECT_EQ(round_trip(r), r);
  EXPECT_EQ(round_trip(record{}), record{});
  const std::map<std::string, int> counts{{"x", 1}, {"yy", 22}, {"", 0}};
  EXPECT_EQ(round_trip(counts), counts);
}

TEST(Codec, SizeMismatchThrows) {
  const char bytes[7] = {};
  EXPECT_THROW(codec<double>::decode(rankpool::byte_view(bytes, 7)), rankpool::error);
  EXPECT_THROW(codec<std::uint32_t>::decode(rankpool::byte_view(bytes, 0)), rankpool::error);
  EXPECT_THROW(codec<std::vector<double>>::decode(rankpool::byte_view(bytes, 7)), rankpool::error);
  EXPECT_THROW(codec<std::vector<std::uint32_t>>::decode(rankpool::byte_view(bytes, 6)), rankpool::error);
}

}  // namespace
