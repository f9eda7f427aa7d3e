#pragma once
// One small job per shipped app, fast enough to run many times in a test.
#include <string>
#include <vector>

namespace rankpool_test {

struct app_job {
  std::string app;
  std::string toml;
};

inline const std::vector<app_job> app_jobs = {
    {"synthetic", "app = \"synthetic\"\n[params]\ntasks = 300\nseed = 3\n"},
    {"mandelbrot",
     "app = \"mandelbrot\"\n[params]\nwidth = 64\nheight = 48\nmax_iterations = 300\nrows_per_task = 2\nimage = false\n"},
    {"heat", "app = \"heat\"\n[params]\nalpha = 1.0\n[sweep]\nmode = \"zip\"\nn = [8, 16, 24]\n"
             "dt = [1.0e-3, 2.0e-4, 1.0e-4]\nsteps = [10, 20, 30]\n"},
    {"nbody", "app = \"nbody\"\n[params]\ndt = 0.001\nsteps = 40\nseed = 2\n[sweep]\nbodies = [16, 33]\n"
              "softening = [0.05]\n"},
    {"sum_to_n", "app = \"sum_to_n\"\n[sweep]\nn = { start = 1000, stop = 1000000, num = 8, scale = \"log\" }\n"},
    {"montecarlo", "app = \"montecarlo\"\n[params]\nintegral = \"pi\"\ntasks = 16\nsamples_per_task = 20000\nseed = 4\n"},
};

}  // namespace rankpool_test
