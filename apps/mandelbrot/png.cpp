#include "png.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <numbers>
#include <stdexcept>

namespace mandelbrot {
namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// The CRC covers the type and the data but not the length, per the PNG spec.
void put_chunk(std::vector<std::uint8_t>& out, const char (&type)[5], const std::vector<std::uint8_t>& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_at = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = crc32(crc32(0L, Z_NULL, 0), out.data() + type_at, static_cast<uInt>(out.size() - type_at));
  put_u32(out, static_cast<std::uint32_t>(crc));
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("write_png: " + what + " '" + path + "'");
}

}  // namespace

void write_png(const std::string& path, std::uint32_t width, std::uint32_t height, const std::uint8_t* rgb) {
  const std::size_t row_bytes = 3 * std::size_t{width};
  // Every scanline starts with its filter type; 0 (none) keeps this simple and
  // zlib still squeezes the flat areas of a fractal well.
  std::vector<std::uint8_t> raw;
  raw.reserve(std::size_t{height} * (1 + row_bytes));
  for (std::size_t y = 0; y < height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), rgb + y * row_bytes, rgb + (y + 1) * row_bytes);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> packed(packed_size);
  if (compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()), Z_BEST_SPEED) != Z_OK)
    fail(path, "zlib could not compress the image for");
  packed.resize(packed_size);

  std::vector<std::uint8_t> header;
  put_u32(header, width);
  put_u32(header, height);
  header.insert(header.end(), {8, 2, 0, 0, 0});  // bit depth 8, colour type RGB, deflate, adaptive filters, no interlace

  std::vector<std::uint8_t> file = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  put_chunk(file, "IHDR", header);
  put_chunk(file, "IDAT", packed);
  put_chunk(file, "IEND", {});

  std::ofstream stream(path, std::ios::binary);
  if (!stream) fail(path, "cannot open");
  stream.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  stream.close();
  if (!stream) fail(path, "cannot write");
}

std::vector<std::uint8_t> colorize(const std::uint32_t* counts, std::size_t n, std::uint32_t max_iterations) {
  std::vector<std::uint8_t> rgb(3 * n, 0);
  if (max_iterations == 0) return rgb;
  // A cosine palette cycled along log(1 + count): the log spreads the many low counts
  // far from the set over several hues instead of one flat band.
  const double scale = 1.0 / std::log1p(static_cast<double>(max_iterations));
  constexpr std::array<double, 3> phase = {0.0, 0.15, 0.25};
  for (std::size_t i = 0; i < n; ++i) {
    if (counts[i] >= max_iterations) continue;  // inside the set: black
    const double t = 3.0 * std::log1p(static_cast<double>(counts[i])) * scale;
    for (std::size_t k = 0; k < 3; ++k) {
      const double v = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * (t + phase[k]));
      rgb[3 * i + k] = static_cast<std::uint8_t>(std::clamp(std::lround(255.0 * v), 0L, 255L));
    }
  }
  return rgb;
}

}  // namespace mandelbrot
