#pragma once
// The one harness for tests that run the rankpool program as a real process: a scratch
// directory, job files, `rankpool ARGS` under mpirun with N ranks (or alone, N = 0) and
// under `timeout`, its exit code, stdout and stderr, and the checks every rejected input
// must pass (rankpool in the background: background.hpp). The rank count of the ctest
// entry comes from the environment (test_ranks()):
// a binary registered with rankpool_add_cli_test(... RANKS 1 3) runs every test once per
// count, as <name>.1ranks and <name>.3ranks. Needs RANKPOOL_CLI and RANKPOOL_MPIEXEC
// (defined by rankpool_add_cli_test).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/scratch_dir.hpp"

namespace rankpool_test {

/// How a rankpool process ended.
struct outcome {
  int code = -1;  ///< exit code; -1 when it died of a signal
  std::string out;
  std::string err;
};

namespace detail {
inline std::vector<int> rank_list(const char* variable) {
  const char* text = std::getenv(variable);
  if (!text || !*text)
    throw std::runtime_error(std::string(variable) +
                             " is not set: register this test with rankpool_add_cli_test(... RANKS ...)");
  std::vector<int> counts;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    std::size_t used = 0;
    const int n = std::stoi(item, &used);
    if (used != item.size() || n < 0) throw std::runtime_error(std::string(variable) + "=" + text + ": not rank counts");
    counts.push_back(n);
  }
  return counts;
}
}  // namespace detail

/// The rank count of this ctest entry (RANKPOOL_TEST_RANKS; 0 = without mpirun).
inline int test_ranks() {
  const auto counts = detail::rank_list("RANKPOOL_TEST_RANKS");
  if (counts.size() != 1) throw std::runtime_error("RANKPOOL_TEST_RANKS holds more than one rank count");
  return counts[0];
}

/// Whether this entry's rank count is among `counts`. Throws when one of `counts` is not
/// registered (RANKPOOL_TEST_RANK_COUNTS), so a test cannot silently never run.
inline bool runs_at(std::initializer_list<int> counts) {
  const auto registered = detail::rank_list("RANKPOOL_TEST_RANK_COUNTS");
  for (int n : counts)
    if (std::find(registered.begin(), registered.end(), n) == registered.end())
      throw std::runtime_error("the test runs at " + std::to_string(n) +
                               " ranks, but its binary is not registered at that count (RANKS in CMakeLists.txt)");
  return std::find(counts.begin(), counts.end(), test_ranks()) != counts.end();
}

/// The shell command that runs `rankpool ARGS` with `ranks` ranks (0 = without mpirun),
/// the whole command line behind `wrapper` (a command that runs its arguments) if given.
inline std::string rankpool_command(const std::string& args, int ranks, const std::string& wrapper = "") {
  const std::string launcher = ranks > 0 ? std::string(RANKPOOL_MPIEXEC) + " -n " + std::to_string(ranks) +
                                               " --oversubscribe --bind-to none "
                                         : "";
  return (wrapper.empty() ? "" : wrapper + " ") + launcher + RANKPOOL_CLI + " " + args;
}

/// Runs `rankpool ARGS` to completion (120 s limit), its output kept in `dir`.
inline outcome run_rankpool(const scratch_dir& dir, const std::string& args, int ranks,
                            const std::string& wrapper = "") {
  const std::string command = "timeout -s TERM 120 " + rankpool_command(args, ranks, wrapper) + " >" +
                              (dir / "stdout") + " 2>" + (dir / "stderr");
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "stdout"), slurp(dir / "stderr")};
}

/// Lines that rankpool printed (they start "rankpool:"); mpirun adds its own banner
/// when a rank exits non-zero.
inline int count_lines_from_rankpool(const std::string& text) {
  int lines = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    if (text.compare(at, 9, "rankpool:") == 0) ++lines;
    at = text.find('\n', at);
    if (at == std::string::npos) break;
    ++at;
  }
  return lines;
}

/// Fixture of the CLI tests: one scratch directory per test.
class cli : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return dir_ / name; }
  std::string write_job(const std::string& name, const std::string& text) const { return dir_.write(name, text); }
  outcome rankpool(const std::string& args, int ranks, const std::string& wrapper = "") const {
    return run_rankpool(dir_, args, ranks, wrapper);
  }

  /// Runs `job_text` with `ranks` ranks and expects exit 2, exactly one line from
  /// rankpool containing `expected`, and no output file.
  void expect_rejected(const std::string& job_text, const std::string& expected, int ranks) const {
    const auto job = write_job("rejected.toml", job_text);
    const auto out = path("rejected.h5");
    const auto o = rankpool("run " + job + " --progress none --out " + out, ranks);
    EXPECT_EQ(o.code, 2) << job_text << o.err;
    EXPECT_NE(o.err.find(expected), std::string::npos) << job_text << " said: " << o.err;
    EXPECT_EQ(count_lines_from_rankpool(o.err), 1) << o.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }

  scratch_dir dir_;
};

}  // namespace rankpool_test

/// Runs the rest of the test only in the ctest entries of these rank counts (each must be
/// among the binary's RANKS); the others report it skipped.
#define RANKPOOL_TEST_AT_RANKS(...)                                \
  if (!::rankpool_test::runs_at({__VA_ARGS__}))                    \
  GTEST_SKIP() << "runs at " #__VA_ARGS__ " ranks, this entry at " \
               << ::rankpool_test::test_ranks()
