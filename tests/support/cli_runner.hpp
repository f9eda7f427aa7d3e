#pragma once
// Runs the rankpool program as a real process (optionally under mpirun) from tests.
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace rankpool_test {

struct outcome {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A scratch directory removed at the end of the test.
class scratch_dir {
 public:
  scratch_dir() {
    char tmpl[] = "/tmp/rankpool-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~scratch_dir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(*this / name) << text;
    return *this / name;
  }

 private:
  std::string path_;
};

/// The shell command that runs `rankpool ARGS` with `ranks` ranks (0 = no mpirun).
inline std::string rankpool_command(const std::string& args, int ranks) {
  std::string launcher = ranks > 0 ? std::string(RANKPOOL_MPIEXEC) + " -n " + std::to_string(ranks) +
                                         " --oversubscribe --bind-to none "
                                   : "";
  return launcher + RANKPOOL_CLI + " " + args;
}

/// Runs to completion (120 s limit) and captures stdout, stderr and the exit code.
inline outcome run_rankpool(const scratch_dir& dir, const std::string& args, int ranks) {
  const std::string command = "timeout -s TERM 120 " + rankpool_command(args, ranks) + " >" + (dir / "stdout") +
                              " 2>" + (dir / "stderr");
  outcome o;
  const int status = std::system(command.c_str());
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = slurp(dir / "stdout");
  o.err = slurp(dir / "stderr");
  return o;
}

}  // namespace rankpool_test
