#pragma once
// Jobs that run in the background while a test kills, stops or signals their ranks:
// start one, find the pid of a rank, wait for the job with a limit. Needs cli_runner.hpp's
// RANKPOOL_CLI and RANKPOOL_MPIEXEC.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>

#include "support/cli_runner.hpp"

namespace rankpool_test {

using clock_type = std::chrono::steady_clock;

/// Starts the shell command `command` in the background, its own process group, output
/// in `dir`/bg.out and bg.err; returns the group leader's pid (mpirun or rankpool).
inline pid_t start_command(const scratch_dir& dir, const std::string& command) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    const std::string line = "exec " + command + " >" + (dir / "bg.out") + " 2>" + (dir / "bg.err");
    execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

/// Starts `rankpool ARGS` in the background with `ranks` ranks (0: without mpirun).
inline pid_t start_rankpool(const scratch_dir& dir, const std::string& args, int ranks) {
  return start_command(dir, rankpool_command(args, ranks));
}

/// Waits for `pid`; returns its exit code (128 + signal if a signal ended it) and how
/// long it took, or -1 after `limit` (the group is then killed).
inline std::pair<int, double> wait_for(pid_t pid, std::chrono::seconds limit) {
  const auto start = clock_type::now();
  while (clock_type::now() - start < limit) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
              std::chrono::duration<double>(clock_type::now() - start).count()};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return {-1, std::chrono::duration<double>(limit).count()};
}

/// The pid of the rankpool process that is MPI rank `rank` of the job writing `output` (0 if none).
inline pid_t find_rank(const std::string& output, int rank) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find("rankpool run") == std::string::npos || cmdline.find(output) == std::string::npos) continue;
    std::string environ = slurp(entry.path() / "environ");
    if (environ.find(std::string("OMPI_COMM_WORLD_RANK=") + std::to_string(rank) + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stol(name));
  }
  return 0;
}

}  // namespace rankpool_test
