// rankpool::cli_main in a program without apps (no_apps_main.cpp), at this entry's rank
// count: `apps` says so and fails, `run` of any job refuses it with exit 2 and one line
// saying the program has no apps registered, and writes nothing.
#include <filesystem>
#include <string>

#include "support/cli_runner.hpp"

namespace {

using rankpool_test::count_lines_from_rankpool;
using rankpool_test::test_ranks;
using NoApps = rankpool_test::cli;

TEST_F(NoApps, AppsSaysThereAreNoneAndFails) {
  RANKPOOL_TEST_AT_RANKS(0);
  const auto o = rankpool("apps", 0);
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("rankpool: apps: this program has no apps registered"), std::string::npos) << o.err;
  EXPECT_EQ(count_lines_from_rankpool(o.err), 1) << o.err;
  // The rest of the command line is there.
  EXPECT_EQ(rankpool("--version", 0).code, 0);
  EXPECT_EQ(rankpool("run --help", 0).code, 0);
}

TEST_F(NoApps, RunOfAnyJobSaysThisProgramHasNoAppsAndWritesNothing) {
  for (const char* app : {"sum_to_n", "powers"}) {
    const auto job = write_job("job.toml", std::string("app = \"") + app + "\"\n");
    const auto out = path("out.h5");
    const auto o = rankpool("run " + job + " --progress none --out " + out, test_ranks());
    EXPECT_EQ(o.code, 2) << app << ": " << o.err;
    EXPECT_NE(o.err.find("job.toml:1:7: app: unknown app \"" + std::string(app) +
                         "\": this program has no apps registered"),
              std::string::npos)
        << o.err;
    EXPECT_EQ(count_lines_from_rankpool(o.err), 1) << o.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

}  // namespace
