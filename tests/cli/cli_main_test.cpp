// rankpool::cli_main: --version, a subcommand's --help, and a missing or unknown
// subcommand (exit 2). No MPI: these never start an MPI job.
#include <string>

#include "support/cli_runner.hpp"

namespace {

using CliMain = rankpool_test::cli;

TEST_F(CliMain, VersionAndHelp) {
  auto v = rankpool("--version", 0);
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("rankpool 0."), std::string::npos) << v.out;
  auto h = rankpool("run --help", 0);
  EXPECT_EQ(h.code, 0);
  for (const char* flag : {"--out", "--chunk", "--threads", "--progress", "--set", "--json", "--force"})
    EXPECT_NE(h.out.find(flag), std::string::npos) << flag;
}

TEST_F(CliMain, AMissingOrUnknownSubcommandExitsTwoWithOneLine) {
  for (const std::string args : {"", "frobnicate"}) {
    auto o = rankpool(args, 0);
    EXPECT_EQ(o.code, 2) << "'" << args << "': " << o.err;
    EXPECT_EQ(rankpool_test::count_lines_from_rankpool(o.err), 1) << "'" << args << "': " << o.err;
  }
}

TEST_F(CliMain, AnUnknownSubcommandIsNamedWithTheSubcommandsAndTheNearest) {
  for (const std::string args : {"tabel out.h5", "tabel"}) {
    auto o = rankpool(args, 0);
    EXPECT_EQ(o.code, 2) << o.err;
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err,
              "rankpool: unknown subcommand 'tabel' (subcommands: run, apps, status, table, report, merge, slurm); "
              "did you mean table? (see rankpool --help)\n");
  }
  // Nothing near: the list alone.
  auto far = rankpool("frobnicate", 0);
  EXPECT_EQ(far.code, 2);
  EXPECT_NE(far.err.find("unknown subcommand 'frobnicate' (subcommands: run, apps, "), std::string::npos) << far.err;
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

}  // namespace
