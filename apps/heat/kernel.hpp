#pragma once
/// The 2D heat equation u_t = alpha (u_xx + u_yy) on the unit square, u = 0 on the
/// boundary, u(x, y, 0) = sin(pi x) sin(pi y): explicit Euler in time, the 5-point
/// Laplacian in space. The exact solution is exp(-2 pi^2 alpha t) sin(pi x) sin(pi y),
/// so every run measures its own error.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <utility>
#include <vector>

namespace heat {

struct problem {
  double alpha = 1.0;        ///< diffusivity
  std::uint32_t n = 64;      ///< intervals per side: (n + 1)^2 nodes, h = 1 / n
  std::uint64_t steps = 100;
  double dt = 1e-5;
};

struct outcome {
  double error = 0;   ///< max over the nodes of |u - exact| at t = steps * dt
  double centre = 0;  ///< u(0.5, 0.5), bilinear between nodes when n is odd
};

/// Largest stable time step: the explicit scheme amplifies the highest grid mode once
/// alpha dt / h^2 exceeds 1/4.
inline double stable_dt(double alpha, std::uint32_t n) {
  const double h = 1.0 / n;
  return h * h / (4 * alpha);
}

/// Bytes the two grids of a problem occupy.
inline double grid_bytes(std::uint32_t n) { return 2.0 * sizeof(double) * (n + 1.0) * (n + 1.0); }

/// One explicit step of interior row `row`; boundary columns are never written.
inline void step_row(const double* __restrict up, const double* __restrict mid, const double* __restrict down,
                     double* __restrict out, std::size_t nodes, double r) {
  for (std::size_t j = 1; j + 1 < nodes; ++j)
    out[j] = mid[j] + r * (up[j] + down[j] + mid[j - 1] + mid[j + 1] - 4.0 * mid[j]);
}

/// `steps` steps of the whole grid, ping-ponging between a and b; returns the one holding the result.
/// Threads split the rows; small grids stay serial, where a barrier per step costs more than the step.
inline double* advance(double* a, double* b, std::uint32_t n, std::uint64_t steps, double r) {
  const std::size_t nodes = std::size_t{n} + 1;
#pragma omp parallel if (nodes * nodes >= 65536)
  for (std::uint64_t s = 0; s < steps; ++s) {
    const double* from = s % 2 == 0 ? a : b;
    double* to = s % 2 == 0 ? b : a;
#pragma omp for schedule(static)
    for (std::int64_t row = 1; row < static_cast<std::int64_t>(n); ++row) {
      const auto i = static_cast<std::size_t>(row);
      step_row(from + (i - 1) * nodes, from + i * nodes, from + (i + 1) * nodes, to + i * nodes, nodes, r);
    }
  }
  return steps % 2 == 0 ? a : b;
}

/// Runs one simulation and compares it with the exact solution.
inline outcome simulate(const problem& p) {
  const std::uint32_t n = p.n;
  const std::size_t nodes = std::size_t{n} + 1;
  const double h = 1.0 / n;
  // sin(pi x) on the nodes; pinned to 0 at x = 1, where sin(pi) is 1.2e-16, so the
  // boundary is exactly the Dirichlet value.
  std::vector<double> s(nodes, 0.0);
  for (std::size_t i = 1; i < n; ++i) s[i] = std::sin(std::numbers::pi * static_cast<double>(i) * h);

  std::vector<double> a(nodes * nodes), b(nodes * nodes, 0.0);
  for (std::size_t i = 0; i < nodes; ++i)
    for (std::size_t j = 0; j < nodes; ++j) a[i * nodes + j] = s[i] * s[j];
  const double* u = advance(a.data(), b.data(), n, p.steps, p.alpha * p.dt / (h * h));

  const double t = static_cast<double>(p.steps) * p.dt;
  const double decay = std::exp(-2 * std::numbers::pi * std::numbers::pi * p.alpha * t);
  double error = 0;
#pragma omp parallel for reduction(max : error) if (nodes * nodes >= 65536)
  for (std::int64_t row = 0; row < static_cast<std::int64_t>(nodes); ++row) {
    const auto i = static_cast<std::size_t>(row);
    for (std::size_t j = 0; j < nodes; ++j) error = std::max(error, std::abs(u[i * nodes + j] - decay * s[i] * s[j]));
  }

  const std::size_t c = n / 2;       // node at or just left of 0.5
  const double f = n % 2 == 0 ? 0.0 : 0.5;
  auto at = [&](std::size_t i, std::size_t j) { return u[i * nodes + j]; };
  const std::size_t c1 = std::min(c + 1, nodes - 1);
  const double centre = (1 - f) * (1 - f) * at(c, c) + f * (1 - f) * (at(c1, c) + at(c, c1)) + f * f * at(c1, c1);
  return {error, centre};
}

}  // namespace heat
