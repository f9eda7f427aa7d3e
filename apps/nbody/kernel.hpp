#pragma once
/// Direct-sum gravitational N-body (G = 1) with Plummer softening, integrated by
/// kick-drift-kick leapfrog, in structure-of-arrays layout so the force loop over
/// partners vectorises. Initial conditions depend on (seed, system) only.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <vector>

namespace nbody {

struct bodies {
  std::vector<double> x, y, z, vx, vy, vz, m;

  std::size_t size() const noexcept { return m.size(); }
  void resize(std::size_t n) {
    for (auto* v : {&x, &y, &z, &vx, &vy, &vz, &m}) v->assign(n, 0.0);
  }
};

struct vec3 {
  double x = 0, y = 0, z = 0;
};

/// Accelerations a_i = sum_j m_j d_ij / (|d_ij|^2 + eps^2)^(3/2), d_ij = r_j - r_i.
inline void accelerations(const bodies& b, double eps2, double* __restrict ax, double* __restrict ay,
                          double* __restrict az) {
  const std::size_t n = b.size();
  const double* __restrict x = b.x.data();
  const double* __restrict y = b.y.data();
  const double* __restrict z = b.z.data();
  const double* __restrict m = b.m.data();
#pragma omp parallel for schedule(static) if (n >= 512)
  for (std::int64_t row = 0; row < static_cast<std::int64_t>(n); ++row) {
    const auto i = static_cast<std::size_t>(row);
    double sx = 0, sy = 0, sz = 0;
#pragma omp simd reduction(+ : sx, sy, sz)
    for (std::size_t j = 0; j < n; ++j) {
      const double dx = x[j] - x[i], dy = y[j] - y[i], dz = z[j] - z[i];
      const double r2 = dx * dx + dy * dy + dz * dz + eps2;
      // j == i has r2 = 0 without softening: it (and only it) must add nothing, not 0/0.
      const double s = r2 > 0 ? m[j] / (r2 * std::sqrt(r2)) : 0.0;
      sx += s * dx;
      sy += s * dy;
      sz += s * dz;
    }
    ax[i] = sx;
    ay[i] = sy;
    az[i] = sz;
  }
}

/// `steps` kick-drift-kick steps of size dt: second order, symplectic, time-reversible.
inline void leapfrog(bodies& b, double eps, double dt, std::uint64_t steps) {
  const std::size_t n = b.size();
  std::vector<double> ax(n), ay(n), az(n);
  accelerations(b, eps * eps, ax.data(), ay.data(), az.data());
  for (std::uint64_t s = 0; s < steps; ++s) {
    for (std::size_t i = 0; i < n; ++i) {
      b.vx[i] += 0.5 * dt * ax[i];
      b.vy[i] += 0.5 * dt * ay[i];
      b.vz[i] += 0.5 * dt * az[i];
      b.x[i] += dt * b.vx[i];
      b.y[i] += dt * b.vy[i];
      b.z[i] += dt * b.vz[i];
    }
    accelerations(b, eps * eps, ax.data(), ay.data(), az.data());
    for (std::size_t i = 0; i < n; ++i) {
      b.vx[i] += 0.5 * dt * ax[i];
      b.vy[i] += 0.5 * dt * ay[i];
      b.vz[i] += 0.5 * dt * az[i];
    }
  }
}

inline double kinetic_energy(const bodies& b) {
  double k = 0;
  for (std::size_t i = 0; i < b.size(); ++i) k += 0.5 * b.m[i] * (b.vx[i] * b.vx[i] + b.vy[i] * b.vy[i] + b.vz[i] * b.vz[i]);
  return k;
}

/// -sum over pairs of m_i m_j / sqrt(|d_ij|^2 + eps^2): the energy the softened force conserves.
inline double potential_energy(const bodies& b, double eps) {
  const std::size_t n = b.size();
  double w = 0;
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : w) if (n >= 512)
  for (std::int64_t row = 0; row < static_cast<std::int64_t>(n); ++row) {
    const auto i = static_cast<std::size_t>(row);
    double wi = 0;
    for (std::size_t j = i + 1; j < n; ++j) {
      const double dx = b.x[j] - b.x[i], dy = b.y[j] - b.y[i], dz = b.z[j] - b.z[i];
      wi += b.m[j] / std::sqrt(dx * dx + dy * dy + dz * dz + eps * eps);
    }
    w -= b.m[i] * wi;
  }
  return w;
}

inline vec3 momentum(const bodies& b) {
  vec3 p;
  for (std::size_t i = 0; i < b.size(); ++i) {
    p.x += b.m[i] * b.vx[i];
    p.y += b.m[i] * b.vy[i];
    p.z += b.m[i] * b.vz[i];
  }
  return p;
}

/// sum_i m_i |v_i|: the scale momentum errors are measured against (the total is ~0).
inline double momentum_scale(const bodies& b) {
  double s = 0;
  for (std::size_t i = 0; i < b.size(); ++i) s += b.m[i] * std::sqrt(b.vx[i] * b.vx[i] + b.vy[i] * b.vy[i] + b.vz[i] * b.vz[i]);
  return s;
}

namespace detail {
inline std::uint64_t splitmix64(std::uint64_t v) {
  v += 0x9e3779b97f4a7c15ull;
  v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
  v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
  return v ^ (v >> 31);
}
}  // namespace detail

/// A uniform ball of radius 1 and mass 1 (equal masses), Gaussian velocities shifted to
/// the centre-of-mass frame and scaled to virial equilibrium (2K = -W).
inline bodies random_cluster(std::size_t n, double eps, std::uint64_t seed, std::uint64_t system) {
  const std::uint64_t stream = detail::splitmix64(detail::splitmix64(seed) ^ system);
  // Uniform in (0, 1): draw k of body i, a pure function of (seed, system, i, k).
  auto uniform = [stream](std::size_t i, std::uint64_t k) {
    return (static_cast<double>(detail::splitmix64(stream ^ detail::splitmix64(i * 8 + k)) >> 11) + 0.5) * 0x1.0p-53;
  };
  constexpr double two_pi = 2 * std::numbers::pi;
  bodies b;
  b.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double r = std::cbrt(uniform(i, 0));
    const double cos_theta = 2 * uniform(i, 1) - 1, phi = two_pi * uniform(i, 2);
    const double sin_theta = std::sqrt(1 - cos_theta * cos_theta);
    b.x[i] = r * sin_theta * std::cos(phi);
    b.y[i] = r * sin_theta * std::sin(phi);
    b.z[i] = r * cos_theta;
    const double g1 = std::sqrt(-2 * std::log(uniform(i, 3))), g2 = std::sqrt(-2 * std::log(uniform(i, 5)));
    b.vx[i] = g1 * std::cos(two_pi * uniform(i, 4));
    b.vy[i] = g1 * std::sin(two_pi * uniform(i, 4));
    b.vz[i] = g2 * std::cos(two_pi * uniform(i, 6));
    b.m[i] = 1.0 / static_cast<double>(n);
  }
  vec3 com, p = momentum(b);
  for (std::size_t i = 0; i < n; ++i) {
    com.x += b.m[i] * b.x[i];
    com.y += b.m[i] * b.y[i];
    com.z += b.m[i] * b.z[i];
  }
  for (std::size_t i = 0; i < n; ++i) {  // total mass is 1
    b.x[i] -= com.x, b.y[i] -= com.y, b.z[i] -= com.z;
    b.vx[i] -= p.x, b.vy[i] -= p.y, b.vz[i] -= p.z;
  }
  const double k = kinetic_energy(b);
  const double scale = k > 0 ? std::sqrt(-potential_energy(b, eps) / (2 * k)) : 0.0;
  for (std::size_t i = 0; i < n; ++i) b.vx[i] *= scale, b.vy[i] *= scale, b.vz[i] *= scale;
  return b;
}

/// What one system's run measured.
struct outcome {
  double energy_drift = 0;    ///< (E_end - E_start) / |E_start|
  double momentum_drift = 0;  ///< |P_end - P_start| / sum_i m_i |v_i| at the start
  double kinetic_energy = 0;  ///< K at the end
};

inline outcome evolve(bodies& b, double eps, double dt, std::uint64_t steps) {
  const double e0 = kinetic_energy(b) + potential_energy(b, eps);
  const vec3 p0 = momentum(b);
  const double p_scale = momentum_scale(b);
  leapfrog(b, eps, dt, steps);
  const double k1 = kinetic_energy(b);
  const double e1 = k1 + potential_energy(b, eps);
  const vec3 p1 = momentum(b);
  const double dp = std::sqrt((p1.x - p0.x) * (p1.x - p0.x) + (p1.y - p0.y) * (p1.y - p0.y) + (p1.z - p0.z) * (p1.z - p0.z));
  return {(e1 - e0) / std::abs(e0), p_scale > 0 ? dp / p_scale : 0.0, k1};
}

}  // namespace nbody
