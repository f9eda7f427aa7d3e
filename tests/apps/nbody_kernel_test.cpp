// nbody's kernel: what leapfrog must conserve (energy to O(dt^2), momentum to rounding),
// a two-body circular orbit closing after one analytic period, and reproducible initial
// conditions (the app through `rankpool run`: nbody_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "nbody/kernel.hpp"

namespace {

TEST(NbodyKernel, EnergyDriftIsSmallForASmallStep) {
  auto b = nbody::random_cluster(64, 0.05, 1, 0);
  const auto o = nbody::evolve(b, 0.05, 1e-3, 1000);  // one crossing time
  EXPECT_LT(std::abs(o.energy_drift), 1e-5);
  // Second order: ten times the step, about a hundred times the drift (and still bounded).
  auto coarse = nbody::random_cluster(64, 0.05, 1, 0);
  const auto c = nbody::evolve(coarse, 0.05, 1e-2, 100);
  EXPECT_GT(std::abs(c.energy_drift), 10 * std::abs(o.energy_drift));
  EXPECT_LT(std::abs(c.energy_drift), 1e-3);
}

TEST(NbodyKernel, MomentumIsConservedToRounding) {
  for (double eps : {0.0, 0.05}) {
    auto b = nbody::random_cluster(100, eps, 2, 5);
    const auto o = nbody::evolve(b, eps, 1e-3, 300);
    EXPECT_LT(o.momentum_drift, 1e-12) << eps;
  }
}

TEST(NbodyKernel, TwoBodyCircularOrbitClosesAfterOnePeriod) {
  // Masses 3/4 and 1/4 a = 2 apart circle their centre of mass with relative speed
  // sqrt(G M / a), period 2 pi sqrt(a^3 / (G M)).
  const double a = 2, m1 = 0.75, m2 = 0.25, total = m1 + m2;
  const double v = std::sqrt(total / a), period = 2 * std::numbers::pi * std::sqrt(a * a * a / total);
  nbody::bodies start;
  start.resize(2);
  start.m = {m1, m2};
  start.x = {-a * m2 / total, a * m1 / total};
  start.vy = {-v * m2 / total, v * m1 / total};
  const std::uint64_t steps = 20000;
  nbody::bodies b = start;
  const auto o = nbody::evolve(b, 0.0, period / steps, steps);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(b.x[i], start.x[i], 1e-5 * a) << i;
    EXPECT_NEAR(b.y[i], start.y[i], 1e-5 * a) << i;
    EXPECT_NEAR(b.vx[i], start.vx[i], 1e-5 * v) << i;
    EXPECT_NEAR(b.vy[i], start.vy[i], 1e-5 * v) << i;
  }
  EXPECT_LT(std::abs(o.energy_drift), 1e-9);
  // Halfway round, each body is opposite where it started: the orbit is really circular.
  nbody::bodies half = start;
  nbody::leapfrog(half, 0.0, period / steps, steps / 2);
  EXPECT_NEAR(half.x[1], -start.x[1], 1e-5 * a);
  EXPECT_NEAR(half.y[1], 0.0, 1e-4 * a);
}

TEST(NbodyKernel, InitialConditionsComeFromSeedAndSystemOnly) {
  const auto a = nbody::random_cluster(50, 0.1, 9, 4);
  const auto b = nbody::random_cluster(50, 0.1, 9, 4);
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.vz, b.vz);
  EXPECT_NE(nbody::random_cluster(50, 0.1, 9, 5).x, a.x);
  EXPECT_NE(nbody::random_cluster(50, 0.1, 10, 4).x, a.x);
  const auto p = nbody::momentum(a);
  EXPECT_LT(std::abs(p.x) + std::abs(p.y) + std::abs(p.z), 1e-15);
  // Virial equilibrium: 2K = -W.
  EXPECT_NEAR(2 * nbody::kinetic_energy(a) / -nbody::potential_energy(a, 0.1), 1.0, 1e-12);
}

}  // namespace
