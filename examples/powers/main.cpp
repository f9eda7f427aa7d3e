// powers: Monte Carlo estimates of the integral of x^p over [0, 1], which is exactly
// 1 / (p + 1), swept over p. `integrate` is the kernel; everything after it is rankpool.
#include <rankpool/cli.hpp>
#include <rankpool/sweep_app.hpp>

#include <cmath>

struct estimate {
  double value;  // the mean of x^p over the samples
  double error;  // its standard error
};

estimate integrate(const rankpool::task_context& t) {
  const double p = t.real("p");
  const auto samples = t.integer("samples");
  rankpool::random_stream random = t.random();  // depends on (seed, task index) only
  double sum = 0, sum_of_squares = 0;
  for (std::int64_t s = 0; s < samples; ++s) {
    const double y = std::pow(random.uniform(), p);
    sum += y;
    sum_of_squares += y * y;
  }
  const double mean = sum / static_cast<double>(samples);
  return {mean, std::sqrt((sum_of_squares / static_cast<double>(samples) - mean * mean) / static_cast<double>(samples))};
}

static const bool registered = rankpool::sweep_app("powers", "Monte Carlo integral of x^p over [0, 1], exactly 1 / (p + 1)")
    .param("p", 1.0, "the power", 0.0, 1000.0)
    .param("samples", 100000, "random samples per task", 1, 1e12)
    .result("value", "the estimate of the integral of x^p over [0, 1]")
    .result("error", "its standard error")
    .kernel(integrate);

int main(int argc, char** argv) { return rankpool::cli_main(argc, argv); }
