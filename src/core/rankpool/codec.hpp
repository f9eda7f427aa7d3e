#pragma once
/// How task inputs and results become bytes on the wire.
///
/// Trivially copyable types travel as raw bytes (no serialization cost on the hot
/// path); std::string and vectors of trivially copyable types as a length and raw
/// bytes; everything else through a Boost.Serialization binary archive.
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/iostreams/device/array.hpp>
#include <boost/iostreams/device/back_inserter.hpp>
#include <boost/iostreams/stream.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "rankpool/error.hpp"

namespace rankpool {

using byte_buffer = std::vector<char>;
using byte_view = std::span<const char>;

template <class T, class Enable = void>
struct codec {
  static constexpr bool fixed_size = false;
  static void encode(const T& value, byte_buffer& out) {
    namespace io = boost::iostreams;
    io::stream<io::back_insert_device<byte_buffer>> stream(out);
    boost::archive::binary_oarchive archive(stream, boost::archive::no_header);
    archive << value;
  }
  static T decode(byte_view bytes) {
    namespace io = boost::iostreams;
    io::stream<io::array_source> stream(bytes.data(), bytes.size());
    boost::archive::binary_iarchive archive(stream, boost::archive::no_header);
    T value;
    archive >> value;
    return value;
  }
};

template <class T>
struct codec<T, std::enable_if_t<std::is_trivially_copyable_v<T>>> {
  static constexpr bool fixed_size = true;
  static void encode(const T& value, byte_buffer& out) {
    const std::size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
  }
  static void encode_at(const T& value, char* out) { std::memcpy(out, &value, sizeof(T)); }
  static T decode(byte_view bytes) {
    if (bytes.size() != sizeof(T)) throw error("rankpool codec: payload size does not match the type");
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
  }
};

template <class T>
struct codec<std::vector<T>, std::enable_if_t<std::is_trivially_copyable_v<T>>> {
  static constexpr bool fixed_size = false;
  static void encode(const std::vector<T>& value, byte_buffer& out) {
    const auto* bytes = reinterpret_cast<const char*>(value.data());
    out.insert(out.end(), bytes, bytes + value.size() * sizeof(T));
  }
  static std::vector<T> decode(byte_view bytes) {
    if (bytes.size() % sizeof(T) != 0) throw error("rankpool codec: payload size is not a multiple of the element");
    std::vector<T> value(bytes.size() / sizeof(T));
    if (!value.empty()) std::memcpy(value.data(), bytes.data(), bytes.size());
    return value;
  }
};

template <>
struct codec<std::string> {
  static constexpr bool fixed_size = false;
  static void encode(const std::string& value, byte_buffer& out) { out.insert(out.end(), value.begin(), value.end()); }
  static std::string decode(byte_view bytes) { return std::string(bytes.data(), bytes.size()); }
};

}  // namespace rankpool
