// The baseline: the same accelerations as nbody::accelerations, one pair at a time
// (this file is compiled with vectorisation off), on one thread.
#include <cmath>

#include "nbody/kernel.hpp"

void scalar_accelerations(const nbody::bodies& b, double eps2, double* ax, double* ay, double* az) {
  const std::size_t n = b.size();
  for (std::size_t i = 0; i < n; ++i) {
    double sx = 0, sy = 0, sz = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double dx = b.x[j] - b.x[i], dy = b.y[j] - b.y[i], dz = b.z[j] - b.z[i];
      const double r2 = dx * dx + dy * dy + dz * dz + eps2;
      const double s = r2 > 0 ? b.m[j] / (r2 * std::sqrt(r2)) : 0.0;
      sx += s * dx;
      sy += s * dy;
      sz += s * dz;
    }
    ax[i] = sx;
    ay[i] = sy;
    az[i] = sz;
  }
}
