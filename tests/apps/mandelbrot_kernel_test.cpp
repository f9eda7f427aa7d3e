// The vectorised Mandelbrot kernel against its scalar baseline, plus the PNG writer.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "mandelbrot/kernel.hpp"
#include "mandelbrot/png.hpp"

namespace {

using mandelbrot::region;

std::vector<std::uint32_t> simd(const region& r, std::uint32_t row_begin, std::uint32_t row_end) {
  std::vector<std::uint32_t> out(std::size_t{row_end - row_begin} * r.width);
  mandelbrot::escape_counts(r, row_begin, row_end, out.data());
  return out;
}

std::vector<std::uint32_t> scalar(const region& r, std::uint32_t row_begin, std::uint32_t row_end) {
  std::vector<std::uint32_t> out(std::size_t{row_end - row_begin} * r.width);
  mandelbrot::escape_counts_scalar(r, row_begin, row_end, out.data());
  return out;
}

region sized(region r, std::uint32_t width, std::uint32_t height, std::uint32_t max_iterations) {
  r.width = width;
  r.height = height;
  r.max_iterations = max_iterations;
  return r;
}

// A window on the seahorse valley, where neighbouring pixels' counts differ wildly.
const region boundary_zoom{-0.7480, -0.7430, 0.1000, 0.1050};

TEST(mandelbrot_kernel, simd_matches_scalar_bitwise) {
  const region full;
  for (const region& base : {full, boundary_zoom}) {
    for (std::uint32_t width : {1u, 7u, 17u, 64u, 1001u}) {
      for (std::uint32_t max_iterations : {1u, 7u, 100u, 1000u}) {
        const region r = sized(base, width, 61, max_iterations);
        SCOPED_TRACE("width " + std::to_string(width) + ", max_iterations " + std::to_string(max_iterations) +
                     ", x_min " + std::to_string(r.x_min));
        ASSERT_EQ(simd(r, 0, r.height), scalar(r, 0, r.height));
      }
    }
  }
}

TEST(mandelbrot_kernel, default_region_matches_scalar) {
  const region r;
  EXPECT_EQ(simd(r, 0, r.height), scalar(r, 0, r.height));
}

TEST(mandelbrot_kernel, known_values) {
  // 1x1 windows centred exactly on c: c = 0 never escapes; c = 1 goes 0, 1, 2, 5 and
  // |5|^2 > 4 ends it after three iterations.
  const region origin{-0.5, 0.5, -0.5, 0.5, 1, 1, 300};
  const region one{0.5, 1.5, -0.5, 0.5, 1, 1, 300};
  EXPECT_EQ(simd(origin, 0, 1), std::vector<std::uint32_t>{300});
  EXPECT_EQ(scalar(origin, 0, 1), std::vector<std::uint32_t>{300});
  EXPECT_EQ(simd(one, 0, 1), std::vector<std::uint32_t>{3});
  EXPECT_EQ(scalar(one, 0, 1), std::vector<std::uint32_t>{3});
  const region never{-0.5, 0.5, -0.5, 0.5, 1, 1, 0};
  EXPECT_EQ(simd(never, 0, 1), std::vector<std::uint32_t>{0});
}

TEST(mandelbrot_kernel, row_ranges_match_full_image) {
  const region r = sized(boundary_zoom, 203, 97, 500);
  const auto full = simd(r, 0, r.height);
  for (auto [begin, end] : {std::pair{0u, 1u}, {5u, 6u}, {13u, 40u}, {90u, 97u}, {0u, 97u}}) {
    const std::vector<std::uint32_t> expected(full.begin() + std::ptrdiff_t{begin} * r.width,
                                              full.begin() + std::ptrdiff_t{end} * r.width);
    EXPECT_EQ(simd(r, begin, end), expected) << "rows " << begin << ".." << end;
    EXPECT_EQ(scalar(r, begin, end), expected) << "rows " << begin << ".." << end;
  }
}

TEST(mandelbrot_kernel, colorize_paints_the_set_black) {
  const std::vector<std::uint32_t> counts = {0, 5, 99, 100};
  const auto rgb = mandelbrot::colorize(counts.data(), counts.size(), 100);
  ASSERT_EQ(rgb.size(), 12u);
  EXPECT_EQ((std::vector<std::uint8_t>(rgb.begin() + 9, rgb.end())), (std::vector<std::uint8_t>{0, 0, 0}));
  EXPECT_NE((std::vector<std::uint8_t>(rgb.begin() + 3, rgb.begin() + 6)), (std::vector<std::uint8_t>{0, 0, 0}));
}

std::uint32_t read_u32(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return std::uint32_t{bytes.at(at)} << 24 | std::uint32_t{bytes.at(at + 1)} << 16 |
         std::uint32_t{bytes.at(at + 2)} << 8 | std::uint32_t{bytes.at(at + 3)};
}

TEST(mandelbrot_png, writes_a_valid_rgb_png) {
  const region r = sized(region{}, 37, 23, 64);
  const auto counts = simd(r, 0, r.height);
  const auto rgb = mandelbrot::colorize(counts.data(), counts.size(), r.max_iterations);
  const auto path = (std::filesystem::temp_directory_path() / "mandelbrot_kernel_test.png").string();
  mandelbrot::write_png(path, r.width, r.height, rgb.data());

  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> file{std::istreambuf_iterator<char>(in), {}};
  std::remove(path.c_str());
  const std::vector<std::uint8_t> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ASSERT_GE(file.size(), 8u);
  EXPECT_EQ(std::vector<std::uint8_t>(file.begin(), file.begin() + 8), signature);

  // Walk the chunks, checking every CRC and gathering IDAT.
  std::vector<std::uint8_t> idat;
  std::vector<std::string> types;
  for (std::size_t at = 8; at < file.size();) {
    const std::uint32_t length = read_u32(file, at);
    ASSERT_LE(at + 12 + length, file.size());
    const std::string type(file.begin() + std::ptrdiff_t(at + 4), file.begin() + std::ptrdiff_t(at + 8));
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), file.data() + at + 4, length + 4);
    EXPECT_EQ(read_u32(file, at + 8 + length), crc) << type;
    if (type == "IHDR") {
      ASSERT_EQ(length, 13u);
      EXPECT_EQ(read_u32(file, at + 8), r.width);
      EXPECT_EQ(read_u32(file, at + 12), r.height);
      EXPECT_EQ(file[at + 16], 8);  // bit depth
      EXPECT_EQ(file[at + 17], 2);  // colour type: RGB
    }
    if (type == "IDAT") idat.insert(idat.end(), file.begin() + std::ptrdiff_t(at + 8), file.begin() + std::ptrdiff_t(at + 8 + length));
    types.push_back(type);
    at += 12 + length;
  }
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.front(), "IHDR");
  EXPECT_EQ(types.back(), "IEND");

  const std::size_t expected = std::size_t{r.height} * (1 + 3 * std::size_t{r.width});
  std::vector<std::uint8_t> raw(expected + 16);  // room to notice extra bytes
  uLongf raw_size = static_cast<uLongf>(raw.size());
  ASSERT_EQ(uncompress(raw.data(), &raw_size, idat.data(), static_cast<uLong>(idat.size())), Z_OK);
  ASSERT_EQ(raw_size, expected);
  // Scanline y: filter byte 0, then the RGB row as given.
  for (std::size_t y = 0; y < r.height; ++y) {
    const std::size_t row = 1 + 3 * std::size_t{r.width};
    EXPECT_EQ(raw[y * row], 0);
    EXPECT_TRUE(std::equal(rgb.begin() + std::ptrdiff_t(y * 3 * r.width), rgb.begin() + std::ptrdiff_t((y + 1) * 3 * r.width),
                           raw.begin() + std::ptrdiff_t(y * row + 1)));
  }
}

TEST(mandelbrot_png, names_the_path_when_it_cannot_write) {
  const std::vector<std::uint8_t> rgb(3, 0);
  const std::string path = "/nonexistent-dir/out.png";
  try {
    mandelbrot::write_png(path, 1, 1, rgb.data());
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
