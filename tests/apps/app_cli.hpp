#pragma once
// Running the rankpool program from an app's test: a scratch directory, job files,
// `rankpool run` under mpirun, and the checks every rejected job must pass.
// Needs RANKPOOL_CLI and RANKPOOL_MPIEXEC defined (tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace app_test {

struct outcome {
  int code = -1;
  std::string out;
  std::string err;
};

class cli : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rankpool-app-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (std::filesystem::path(dir_) / name).string(); }

  std::string write_job(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }

  /// `rankpool ARGS` under mpirun with `ranks` ranks; 0 = a singleton, without mpirun
  /// (a second faster to start, which adds up over many rejected jobs).
  outcome rankpool(const std::string& args, int ranks) const {
    const std::string launcher = ranks > 0 ? std::string(RANKPOOL_MPIEXEC) + " -n " + std::to_string(ranks) +
                                                 " --oversubscribe --bind-to none "
                                           : "";
    const std::string command = "timeout -s TERM 120 " + launcher + RANKPOOL_CLI + " " + args + " >" + path("stdout") +
                                " 2>" + path("stderr");
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(path("stdout")), slurp(path("stderr"))};
  }

  /// Runs `job_text` and expects exit 2, one line from rankpool containing `expected`, no output.
  void expect_rejected(const std::string& job_text, const std::string& expected, int ranks = 0) const {
    const auto job = write_job("rejected.toml", job_text);
    const auto out = path("rejected.h5");
    const auto o = rankpool("run " + job + " --progress none --out " + out, ranks);
    EXPECT_EQ(o.code, 2) << job_text << o.err;
    EXPECT_NE(o.err.find(expected), std::string::npos) << job_text << "said: " << o.err;
    EXPECT_EQ(lines_from_rankpool(o.err), 1) << o.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }

  static int lines_from_rankpool(const std::string& text) {
    int lines = 0;
    for (std::size_t at = 0; at < text.size(); ++at) {
      if (text.compare(at, 9, "rankpool:") == 0) ++lines;
      at = text.find('\n', at);
      if (at == std::string::npos) break;
    }
    return lines;
  }

  static std::string slurp(const std::string& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string dir_;
};

}  // namespace app_test
