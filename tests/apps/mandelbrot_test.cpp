// mandelbrot through `rankpool run`: the escape counts equal the scalar kernel's, the
// rows of each task land in place, and the image is written.
#include <filesystem>
#include <vector>

#include "mandelbrot/kernel.hpp"
#include "rankpool/run_file.hpp"
#include "support/cli_runner.hpp"

namespace {

using MandelbrotApp = rankpool_test::cli;

TEST_F(MandelbrotApp, MatchesTheKernelAndWritesAnImage) {
  const auto job = write_job("m.toml", "app = \"mandelbrot\"\n[params]\nwidth = 67\nheight = 41\nmax_iterations = 200\n"
                                       "rows_per_task = 3\n[output]\npath = \"" + path("m.h5") + "\"\n");
  mandelbrot::region region;
  region.width = 67;
  region.height = 41;
  region.max_iterations = 200;
  std::vector<std::uint32_t> expected(67 * 41);
  mandelbrot::escape_counts_scalar(region, 0, 41, expected.data());
  auto o = rankpool("run " + job + " --progress none", rankpool_test::test_ranks());
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("mandelbrot: 14 tasks (0 done before, 14 ran now), 0 failed"), std::string::npos) << o.out;
  auto file = rankpool::run_file::open(path("m.h5"), false);
  EXPECT_EQ(file.dims("/results/escape_counts"), (std::vector<std::uint64_t>{41, 67}));
  EXPECT_EQ(file.read_all<std::uint32_t>("/results/escape_counts"), expected);
  EXPECT_TRUE(std::filesystem::exists(path("m.png")));
}

}  // namespace
