#pragma once
/// Minimal PNG output for Mandelbrot images: 8-bit RGB, one IDAT chunk.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mandelbrot {

/// Writes width*height RGB triples (row-major) as a PNG; throws std::runtime_error naming path on failure.
void write_png(const std::string& path, std::uint32_t width, std::uint32_t height, const std::uint8_t* rgb);

/// Maps n escape counts to RGB triples with a smooth palette; points inside the set are black.
std::vector<std::uint8_t> colorize(const std::uint32_t* counts, std::size_t n, std::uint32_t max_iterations);

}  // namespace mandelbrot
