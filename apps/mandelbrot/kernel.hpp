#pragma once
/// Mandelbrot escape counts: a vectorised kernel and the scalar loop it must match bit for bit.
///
/// Every target that includes this header must compile with -ffp-contract=off: GCC's
/// C++ default (-ffp-contract=fast) fuses a*b+c into an FMA wherever it sees fit,
/// separately in the scalar and the vector loop, and one FMA on one side only is
/// enough to change the counts of chaotic orbits near the boundary.
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace mandelbrot {

/// The complex-plane window and image size; rows run from y_max down to y_min.
struct region {
  double x_min = -2.25, x_max = 0.75, y_min = -1.25, y_max = 1.25;
  std::uint32_t width = 1024, height = 1024, max_iterations = 512;
};

namespace detail {

/// Real part of the centre of column `col`.
inline double c_re(const region& r, std::uint32_t col) {
  return r.x_min + (col + 0.5) * (r.x_max - r.x_min) / r.width;
}

/// Imaginary part of the centre of row `row`.
inline double c_im(const region& r, std::uint32_t row) {
  return r.y_max - (row + 0.5) * (r.y_max - r.y_min) / r.height;
}

/// One z = z^2 + c step; `magnitude` gets |z|^2 from before it. Templated so the scalar and
/// the vector code share one expression and therefore one rounding sequence.
template <class T>
inline void step(T& zr, T& zi, const T& cr, const T& ci, T& magnitude) {
  const T x2 = zr * zr;
  const T y2 = zi * zi;
  magnitude = x2 + y2;
  zi = (zr + zr) * zi + ci;
  zr = x2 - y2 + cr;
}

// One native register of doubles per group: GCC lowers wider vector types poorly
// (through memory: 8 lanes on AVX2 ran slower than the scalar loop), so match the ISA.
#if defined(__AVX512F__)
inline constexpr std::size_t lanes = 8;
#elif defined(__AVX__)
inline constexpr std::size_t lanes = 4;
#else
inline constexpr std::size_t lanes = 2;  // SSE2, NEON
#endif
// Independent groups interleaved in one loop: one step's dependency chain is ~9-12
// cycles, so a single group would leave the FP pipes mostly idle; five or more
// spill registers and measured slower.
inline constexpr std::size_t groups = 4;
// Steps between the (horizontal, hence costly) all-lanes-escaped checks. Lanes keep
// counting only while active and counts are clamped at the end, so overshooting
// max_iterations by up to unroll-1 steps is harmless.
inline constexpr std::uint32_t unroll = 16;

typedef double vec_f __attribute__((vector_size(lanes * sizeof(double))));
typedef decltype(vec_f{} < vec_f{}) vec_i;  // what a lane comparison yields: 0 or -1

inline bool none_set(const vec_i& m) {
  std::int64_t any = 0;
  for (std::size_t l = 0; l < lanes; ++l) any |= m[l];
  return any == 0;
}

/// Escape counts of pixels [first, last) of the sub-image starting at row_begin,
/// numbered row-major; out points at pixel `first`. Each group holds `lanes`
/// neighbouring pixels (similar counts, so few lanes idle) and takes the next ones
/// as soon as all of its own escape, instead of waiting for the other groups.
inline void escape_span(const region& r, std::uint32_t row_begin, std::size_t first, std::size_t last,
                        std::uint32_t* out) {
  const std::size_t width = r.width;
  const std::uint32_t max_iterations = r.max_iterations;
  vec_f zr[groups], zi[groups], cr[groups], ci[groups];
  vec_i count[groups], active[groups];
  std::size_t start[groups];         // first pixel the group holds
  std::uint64_t steps[groups] = {};  // taken on its pixels; 64-bit as max_iterations + unroll may not fit 32
  bool busy[groups] = {};
  std::size_t next = first;
  std::size_t busy_groups = 0;

  auto load = [&](std::size_t g) {
    start[g] = next;
    steps[g] = 0;
    busy[g] = next < last;
    busy_groups += busy[g] ? 1 : 0;
    for (std::size_t l = 0; l < lanes; ++l) {
      const std::size_t p = next + l;
      const bool valid = p < last;
      // Padding lanes start inactive at c = 0, so they never count and never overflow.
      cr[g][l] = valid ? c_re(r, static_cast<std::uint32_t>(p % width)) : 0.0;
      ci[g][l] = valid ? c_im(r, static_cast<std::uint32_t>(row_begin + p / width)) : 0.0;
      active[g][l] = valid ? -1 : 0;
    }
    zr[g] = vec_f{};
    zi[g] = vec_f{};
    count[g] = vec_i{};
    next = std::min(next + lanes, last);
  };
  auto store = [&](std::size_t g) {
    const std::size_t n = std::min(lanes, last - start[g]);
    for (std::size_t l = 0; l < n; ++l)
      out[start[g] - first + l] =
          static_cast<std::uint32_t>(std::min<std::int64_t>(count[g][l], max_iterations));
    busy[g] = false;
    --busy_groups;
  };

  for (std::size_t g = 0; g < groups; ++g) load(g);
  const vec_f four = vec_f{} + 4.0;
  while (busy_groups > 0) {
    for (std::uint32_t u = 0; u < unroll; ++u) {
      for (std::size_t g = 0; g < groups; ++g) {
        vec_f magnitude;
        step(zr[g], zi[g], cr[g], ci[g], magnitude);
        // Sticky: an escaped lane stays out even once its z overflows to NaN.
        active[g] &= magnitude <= four;
        count[g] -= active[g];
      }
    }
    for (std::size_t g = 0; g < groups; ++g) {
      if (!busy[g]) continue;
      steps[g] += unroll;
      if (steps[g] >= max_iterations || none_set(active[g])) {
        store(g);
        load(g);
      }
    }
  }
}

}  // namespace detail

/// Escape counts of image rows [row_begin, row_end), row-major into out
/// ((row_end - row_begin) * width values); vectorised, threaded over rows.
inline void escape_counts(const region& r, std::uint32_t row_begin, std::uint32_t row_end, std::uint32_t* out) {
  if (row_end <= row_begin || r.width == 0) return;
  const std::size_t width = r.width;
  // Bands of at least a few hundred pixels keep every group fed even for narrow images.
  const std::uint32_t band = static_cast<std::uint32_t>(std::max<std::size_t>(1, 256 / width));
  const std::uint32_t bands = (row_end - row_begin + band - 1) / band;
#pragma omp parallel for schedule(dynamic)
  for (std::uint32_t b = 0; b < bands; ++b) {
    const std::size_t first = std::size_t{b} * band * width;
    const std::size_t last = std::min<std::size_t>(first + std::size_t{band} * width, (row_end - row_begin) * width);
    detail::escape_span(r, row_begin, first, last, out + first);
  }
}

/// The same counts one pixel at a time: the baseline the vectorised kernel must equal.
inline void escape_counts_scalar(const region& r, std::uint32_t row_begin, std::uint32_t row_end,
                                 std::uint32_t* out) {
  for (std::uint32_t row = row_begin; row < row_end; ++row) {
    const double ci = detail::c_im(r, row);
    for (std::uint32_t col = 0; col < r.width; ++col) {
      const double cr = detail::c_re(r, col);
      double zr = 0, zi = 0, magnitude = 0;
      std::uint32_t n = 0;
      for (; n < r.max_iterations; ++n) {
        detail::step(zr, zi, cr, ci, magnitude);
        if (!(magnitude <= 4.0)) break;  // written as the vector test is, so NaN behaves alike
      }
      *out++ = n;
    }
  }
}

}  // namespace mandelbrot
