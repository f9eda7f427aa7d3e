// heat's kernel: second-order convergence against the exact solution, and thread-count
// independence (the app through `rankpool run`: heat_test.cpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <numbers>

#include "heat/kernel.hpp"

namespace {

/// Grid n with dt / h^2 held at r, run to t_end: space and time errors both scale as h^2.
heat::problem refined(std::uint32_t n, double r = 0.2, double t_end = 0.05) {
  heat::problem p;
  p.n = n;
  p.dt = r / (static_cast<double>(n) * n);
  p.steps = static_cast<std::uint64_t>(std::llround(t_end / p.dt));
  return p;
}

TEST(HeatKernel, ErrorFallsAtSecondOrder) {
  double previous = 0;
  for (std::uint32_t n : {16u, 32u, 64u, 128u}) {
    const auto o = heat::simulate(refined(n));
    EXPECT_LT(o.error, 0.5 / (static_cast<double>(n) * n)) << n;
    if (previous > 0) {
      EXPECT_NEAR(previous / o.error, 4.0, 0.1) << "n = " << n;
    }
    previous = o.error;
  }
}

double exact_centre(const heat::problem& p) {
  return std::exp(-2 * std::numbers::pi * std::numbers::pi * p.alpha * static_cast<double>(p.steps) * p.dt);
}

TEST(HeatKernel, CentreDecaysLikeTheExactSolution) {
  EXPECT_NEAR(heat::simulate(refined(128)).centre, exact_centre(refined(128)), 1e-4);
  // Centre between nodes: interpolated, still within the second-order error.
  EXPECT_NEAR(heat::simulate(refined(127)).centre, exact_centre(refined(127)), 1e-4);
}

TEST(HeatKernel, ZeroStepsIsTheInitialCondition) {
  auto p = refined(40);
  p.steps = 0;
  const auto o = heat::simulate(p);
  EXPECT_LT(o.error, 1e-15);  // the comparison may fuse a multiply-add: not always exactly 0
  EXPECT_DOUBLE_EQ(o.centre, 1.0);
}

TEST(HeatKernel, ThreadCountDoesNotChangeTheBits) {
  auto p = refined(300);  // above the size where the kernel goes parallel
  p.steps = 40;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = heat::simulate(p);
  omp_set_num_threads(2);
  const auto two = heat::simulate(p);
  omp_set_num_threads(threads);
  EXPECT_EQ(one.error, two.error);
  EXPECT_EQ(one.centre, two.centre);
}

}  // namespace
