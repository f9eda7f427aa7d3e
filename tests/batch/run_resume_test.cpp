// run.cpp under crashes, signals and resume, through real `rankpool run` processes: kill
// a worker, signal mpirun, resume, and check that nothing durable is lost or run twice
// (docs/RELIABILITY.md). Each ctest entry runs at one rank count (run_resume_test.Nranks,
// 0 = rankpool alone, without mpirun), alone on the machine: the checks time the job.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "rankpool/run_file.hpp"
#include "support/cli_runner.hpp"
#include "synthetic/workload.hpp"

namespace {

using namespace rankpool_test;
using clock_type = std::chrono::steady_clock;

const std::string slow_job =
    "app = \"synthetic\"\n[params]\ntasks = 600\nduration_us = 8000\nwork = \"sleep\"\nseed = 5\n"
    "[schedule]\nchunk = 2\n";

/// The pid of the rankpool process that is MPI rank `rank` of the job writing `output`.
pid_t find_rank(const std::string& output, int rank) {
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

std::vector<std::uint8_t> statuses(const std::string& file) {
  return rankpool::run_file::open(file, false).read_all<std::uint8_t>("/tasks/status");
}

std::uint64_t count_done(const std::vector<std::uint8_t>& status) {
  return static_cast<std::uint64_t>(std::count(status.begin(), status.end(), 1));
}

/// Waits until the running job has made at least `tasks` results durable (start-up
/// under load can take seconds), then a random extra moment, so the kill lands mid-run.
void wait_until_running(const std::string& file, std::uint64_t tasks, unsigned extra_ms) {
  const auto deadline = clock_type::now() + std::chrono::seconds(60);
  while (clock_type::now() < deadline) {
    try {
      if (std::filesystem::exists(file) && count_done(statuses(file)) >= tasks) break;
    } catch (const std::exception&) {
      // read while the writer is mid-flush: try again
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms));
}

void expect_complete_and_correct(const std::string& file) {
  auto run = rankpool::run_file::open(file, false);
  EXPECT_EQ(run.string_attribute("/", "status"), "complete");
  synthetic::workload reference;
  reference.seed = 5;
  const auto checksum = run.read_all<std::uint32_t>("/results/checksum");
  const auto status = run.read_all<std::uint8_t>("/tasks/status");
  ASSERT_EQ(checksum.size(), 600u);
  ASSERT_EQ(status.size(), 600u);
  for (std::uint64_t i = 0; i < checksum.size(); ++i) {
    ASSERT_EQ(status[i], 1) << i;
    ASSERT_EQ(checksum[i], reference.run(i)) << i;
  }
}

class RunResume : public cli {
 protected:
  /// Starts slow_job (with `flags`) in the background at this entry's rank count, and
  /// returns once 10 of its results are durable and `extra_ms` more have passed.
  pid_t start_slow_job(const std::string& flags, unsigned extra_ms) {
    job_ = write_job("job.toml", slow_job);
    const pid_t pid = start_rankpool(
        dir_, "run " + job_ + " --progress none --flush-interval 0.2 " + flags + " --out " + out_, test_ranks());
    wait_until_running(out_, 10, extra_ms);
    return pid;
  }

  /// Resumes the stopped job: it runs exactly the tasks without a durable result, and
  /// the file ends complete and correct.
  void expect_resume_completes(std::uint64_t durable) {
    auto resumed = rankpool("run " + job_ + " --progress none --json --resume --out " + out_, test_ranks());
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    const auto summary = nlohmann::json::parse(resumed.out);
    EXPECT_EQ(summary["already_done"], durable);
    EXPECT_EQ(summary["ran"], 600 - durable) << "durable tasks ran again, or pending ones were skipped";
    expect_complete_and_correct(out_);
  }

  std::string job_;
  const std::string out_ = path("run.h5");
};

TEST_F(RunResume, KilledWorkerEndsTheJobAndResumeCompletesWithoutRedoingDurableTasks) {
  RANKPOOL_TEST_AT_RANKS(2, 3, 4);
  const int ranks = test_ranks();
  std::mt19937 random(12345u + static_cast<unsigned>(ranks));
  const pid_t job_pid = start_slow_job("", static_cast<unsigned>(random() % 800));
  const pid_t victim = find_rank(out_, 1 + static_cast<int>(random() % static_cast<unsigned>(ranks - 1)));
  ASSERT_GT(victim, 0) << "no worker rank found";
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  const auto [code, seconds] = wait_for(job_pid, std::chrono::seconds(30));
  EXPECT_NE(code, 0) << "a dead worker must fail the job";
  EXPECT_NE(code, -1) << "the job hung after a worker died";
  EXPECT_LT(seconds, 5.0) << "the job took too long to end after a worker died";
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::string said = slurp(path("bg.err"));
  EXPECT_NE(said.find("rank"), std::string::npos) << "no message names the dead rank: " << said;
  EXPECT_NE(said.find(host), std::string::npos) << "no message names the host: " << said;

  const auto before = statuses(out_);  // the file must be readable after the kill
  ASSERT_EQ(before.size(), 600u);
  const std::uint64_t durable = count_done(before);
  EXPECT_GT(durable, 0u) << "results from before the kill were lost";
  EXPECT_LT(durable, 600u);
  expect_resume_completes(durable);
}

TEST_F(RunResume, SigtermToMpirunLeavesAResumableFile) {
  RANKPOOL_TEST_AT_RANKS(1, 2, 3);
  const pid_t job_pid = start_slow_job("", 300);
  kill(job_pid, SIGTERM);
  const auto [code, seconds] = wait_for(job_pid, std::chrono::seconds(30));
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "hung after SIGTERM";
  EXPECT_EQ(rankpool::run_file::open(out_, false).string_attribute("/", "status"), "interrupted");
  const std::uint64_t durable = count_done(statuses(out_));
  EXPECT_GT(durable, 0u);
  expect_resume_completes(durable);
}

TEST_F(RunResume, Sigusr1GivesTheInterruptedExitCode) {
  RANKPOOL_TEST_AT_RANKS(0, 2);
  const pid_t job_pid = start_slow_job("--json", 300);
  kill(job_pid, SIGUSR1);
  const auto [code, seconds] = wait_for(job_pid, std::chrono::seconds(30));
  EXPECT_EQ(code, 4) << slurp(path("bg.err"));
  const auto summary = nlohmann::json::parse(slurp(path("bg.out")));
  EXPECT_TRUE(summary["interrupted"].get<bool>());
  EXPECT_GT(summary["cancelled"].get<int>(), 0);
  EXPECT_EQ(rankpool::run_file::open(out_, false).string_attribute("/", "status"), "interrupted");
}

TEST_F(RunResume, ChunksStillRunningAfterTheGracePeriodEndTheJobResumably) {
  RANKPOOL_TEST_AT_RANKS(0, 2);
  // Tasks of 3 s each: a 0.5 s grace period ends before they do.
  const auto job = write_job("job.toml", "app = \"synthetic\"\n[params]\ntasks = 8\nduration_us = 3000000\n"
                                         "work = \"sleep\"\n[schedule]\nchunk = 1\n");
  const auto out = path("run.h5");
  const pid_t job_pid = start_rankpool(dir_, "run " + job + " --progress none --grace 0.5 --out " + out, test_ranks());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(job_pid, SIGUSR1);
  const auto [code, seconds] = wait_for(job_pid, std::chrono::seconds(20));
  EXPECT_EQ(code, 4) << slurp(path("bg.err"));
  EXPECT_LT(seconds, 2.5) << "the grace period was not enforced";
  EXPECT_NE(slurp(path("bg.err")).find("grace period"), std::string::npos) << slurp(path("bg.err"));
  EXPECT_EQ(rankpool::run_file::open(out, false).string_attribute("/", "status"), "interrupted");
}

TEST_F(RunResume, ResumeRefusesWhatItCannotContinueAndTouchesNothing) {
  RANKPOOL_TEST_AT_RANKS(1, 3);
  const auto job = write_job("job.toml", "app = \"synthetic\"\n[params]\ntasks = 50\n");
  const auto out = path("run.h5");
  ASSERT_EQ(rankpool("run " + job + " --progress none --out " + out, test_ranks()).code, 0);
  const std::string original = slurp(out);

  struct refusal {
    std::string args;
    std::string message;
  };
  const auto other = write_job("other.toml", "app = \"synthetic\"\n[params]\ntasks = 50\nseed = 2\n");
  const auto garbage = write_job("garbage.h5", "this is not an HDF5 file");
  const auto missing = path("missing.h5");
  {
    auto foreign = rankpool::run_file::create(path("foreign.h5"));
    foreign.set_attribute("/", "owner", std::string("someone else"));
  }
  const std::vector<refusal> refusals = {
      {"run " + other + " --resume --out " + out, "parameters or sweep differ"},
      {"run " + job + " --resume --force --out " + out, "--force contradicts --resume"},
      {"run " + job + " --resume --out " + garbage, "not a readable rankpool run file"},
      {"run " + job + " --resume --out " + path("foreign.h5"), "not a rankpool run file"},
      {"run " + job + " --resume --out " + missing, "does not exist"},
      {"run " + job + " --out " + out, "output exists"},
  };
  for (const auto& r : refusals) {
    auto o = rankpool(r.args, test_ranks());
    EXPECT_EQ(o.code, 2) << r.args << ": " << o.err;
    EXPECT_NE(o.err.find(r.message), std::string::npos) << r.args << " said: " << o.err;
    EXPECT_EQ(count_lines_from_rankpool(o.err), 1) << r.args << ": " << o.err;
  }
  EXPECT_EQ(slurp(out), original) << "a refused resume modified the file";
  EXPECT_EQ(slurp(garbage), "this is not an HDF5 file");
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(RunResume, RetryFailedRunsExactlyTheFailedTasks) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto job = write_job("job.toml", "app = \"synthetic\"\n[params]\ntasks = 90\nfail_every = 9\n"
                                         "[schedule]\non_error = \"continue\"\n");
  const auto out = path("run.h5");
  ASSERT_EQ(rankpool("run " + job + " --progress none --out " + out, test_ranks()).code, 3);
  // A retry need not have the run's rank count (another allocation).
  auto again = rankpool("run " + job + " --progress none --json --retry-failed --out " + out, test_ranks() + 1);
  EXPECT_EQ(again.code, 3) << again.err;  // the failures are deterministic, so they fail again
  const auto summary = nlohmann::json::parse(again.out);
  EXPECT_EQ(summary["ran"], 10);
  EXPECT_EQ(summary["failed"], 10);
  EXPECT_EQ(summary["already_done"], 80);
  auto nothing_left = rankpool("run " + job + " --progress none --json --resume --out " + out, test_ranks());
  ASSERT_EQ(nothing_left.code, 3) << nothing_left.err;
  EXPECT_EQ(nlohmann::json::parse(nothing_left.out)["ran"], 0) << "resume runs only pending tasks, not failed ones";
}

}  // namespace
