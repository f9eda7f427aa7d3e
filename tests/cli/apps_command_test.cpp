// `rankpool apps`: every registered app with its parameters, types and defaults.
#include <string>

#include "support/cli_runner.hpp"

namespace {

using AppsCommand = rankpool_test::cli;

TEST_F(AppsCommand, ListsEveryAppsParametersWithDefaults) {
  auto a = rankpool("apps", 0);
  ASSERT_EQ(a.code, 0) << a.err;
  for (const char* app : {"synthetic:", "mandelbrot:", "heat:", "montecarlo:", "nbody:", "sum_to_n:"})
    EXPECT_NE(a.out.find(app), std::string::npos) << app << " missing from: " << a.out;
  EXPECT_NE(a.out.find("duration_us (real, default 0"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("width (integer, default 1024, min 1"), std::string::npos) << a.out;
}

}  // namespace
