// Lost, frozen and crashing workers handled inside the job (docs/RELIABILITY.md, "A rank
// dies"), through real `mpirun --enable-recovery` jobs: a worker killed at a random
// moment, two killed, one frozen and resumed, a task that crashes its process (in the
// job, and on rank 0 across resumes), healthy long and lognormal runs that must never
// re-run or duplicate a chunk, a deadline, and tasks handed out by cost. Under recovery mpirun exits 0 whatever the
// ranks return, so the run's own exit code is read from its status record
// (`rankpool status --exit-code`), as a batch script does.
#include <signal.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "rankpool/run_file.hpp"
#include "support/background.hpp"
#include "support/cli_runner.hpp"
#include "synthetic/workload.hpp"

namespace {

using namespace rankpool_test;

/// 3000 sleep tasks of 1 ms: about a second on 3 ranks.
std::string sleep_job(int tasks, double duration_us, const std::string& more = "") {
  return "app = \"synthetic\"\n[params]\ntasks = " + std::to_string(tasks) + "\nduration_us = " +
         std::to_string(duration_us) + "\nwork = \"sleep\"\nseed = 7\n" + more;
}

class RunResilience : public cli {
 protected:
  /// `mpirun --enable-recovery` with this entry's rank count: a lost rank does not end the job.
  std::string recovering(const std::string& args) const {
    return std::string(RANKPOOL_MPIEXEC) + " --enable-recovery -n " + std::to_string(test_ranks()) +
           " --oversubscribe --bind-to none " + RANKPOOL_CLI + " " + args;
  }

  pid_t start(const std::string& job_text, const std::string& flags = "") {
    job_ = write_job("job.toml", job_text);
    return start_command(dir_, recovering("run " + job_ + " --progress none --json --flush-interval 0.2 " + flags +
                                          " --out " + out_));
  }

  /// Removes the run file and its status record, so the next run's record is its own.
  void remove_run() const {
    std::filesystem::remove(out_);
    std::filesystem::remove(out_ + ".status.json");
  }

  /// Waits until the job wrote its status record (every rank is past MPI_Init then: rank 0
  /// writes it after a collective check), then `ms` more. A record left by an earlier run
  /// would let this return while the ranks still start up (seconds under ASan): remove_run.
  void wait_until_started(unsigned ms) const {
    const auto limit = clock_type::now() + std::chrono::seconds(60);
    while (clock_type::now() < limit && !std::filesystem::exists(out_ + ".status.json"))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }

  /// The run's own exit code (its status record), after mpirun ended.
  int run_exit_code() {
    return run_rankpool(dir_, "status " + out_ + " --exit-code", 0).code;
  }

  nlohmann::json summary() const { return nlohmann::json::parse(slurp(path("bg.out"))); }

  /// Every task done, each checksum what the task computes whoever ran it.
  void expect_all_results_exact(std::uint64_t tasks) const {
    auto file = rankpool::run_file::open(out_, false);
    const auto checksum = file.read_all<std::uint32_t>("/results/checksum");
    const auto status = file.read_all<std::uint8_t>("/tasks/status");
    ASSERT_EQ(checksum.size(), tasks);
    ASSERT_EQ(status.size(), tasks);
    synthetic::workload reference;
    reference.seed = 7;
    for (std::uint64_t i = 0; i < tasks; ++i) {
      ASSERT_EQ(status[i], 1) << "task " << i;
      ASSERT_EQ(checksum[i], reference.run(i)) << "task " << i;
    }
  }

  /// The ranks /events records as lost.
  std::set<int> lost_in_events() const {
    auto file = rankpool::run_file::open(out_, false);
    const auto rank = file.read_all<std::int32_t>("/events/rank");
    const auto what = file.read_strings("/events/what");
    std::set<int> lost;
    for (std::size_t i = 0; i < rank.size() && i < what.size(); ++i)
      if (what[i] == "lost") lost.insert(rank[i]);
    return lost;
  }

  std::string job_;
  const std::string out_ = path("run.h5");
};

TEST_F(RunResilience, KilledWorkersAreLostAndTheJobFinishesExactlyInTheAllocation) {
  const int ranks = test_ranks();
  std::mt19937 random(4242u + static_cast<unsigned>(ranks));
  // One worker killed at 3 ranks; two at 4 ranks, a random moment each.
  const int victims = ranks >= 4 ? 2 : 1;
  const pid_t job = start(sleep_job(3000, 1000));
  wait_until_started(100 + static_cast<unsigned>(random() % 400));
  std::set<int> killed;
  while (static_cast<int>(killed.size()) < victims) {
    const int rank = 1 + static_cast<int>(random() % static_cast<unsigned>(ranks - 1));
    if (killed.count(rank)) continue;
    const pid_t pid = find_rank(out_, rank);
    ASSERT_GT(pid, 0) << "rank " << rank << " not found";
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    killed.insert(rank);
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 200));
  }
  const auto [code, seconds] = wait_for(job, std::chrono::seconds(90));
  ASSERT_NE(code, -1) << "the job hung after a worker died: " << slurp(path("bg.err"));
  EXPECT_EQ(run_exit_code(), 0) << slurp(path("bg.err"));
  expect_all_results_exact(3000);
  EXPECT_EQ(lost_in_events(), killed) << "the lost ranks named in /events";
  const auto s = summary();
  EXPECT_EQ(s["lost_ranks"].get<int>(), victims);
  std::set<int> named;
  for (const auto& e : s["rank_events"])
    if (e["what"] == "lost") named.insert(e["rank"].get<int>());
  EXPECT_EQ(named, killed) << "the summary names the lost ranks";
}

TEST_F(RunResilience, AFrozenWorkerDoesNotHoldUpTheTail) {
  RANKPOOL_TEST_AT_RANKS(3);
  // The clean run first, for its makespan and results.
  const pid_t clean = start(sleep_job(3000, 1000));
  ASSERT_NE(wait_for(clean, std::chrono::seconds(90)).first, -1);
  const double clean_seconds = summary()["seconds"].get<double>();
  remove_run();
  // Then rank 2 frozen for 3 s, 0.6 s into the run.
  const auto run_with_rank_2_frozen = [&](const std::string& flags) {
    remove_run();
    const pid_t job = start(sleep_job(3000, 1000), flags);
    wait_until_started(600);
    const pid_t frozen = find_rank(out_, 2);
    ASSERT_GT(frozen, 0);
    ASSERT_EQ(kill(frozen, SIGSTOP), 0);
    std::this_thread::sleep_for(std::chrono::seconds(3));
    kill(frozen, SIGCONT);
    ASSERT_NE(wait_for(job, std::chrono::seconds(90)).first, -1) << slurp(path("bg.err"));
    EXPECT_EQ(run_exit_code(), 0);
    expect_all_results_exact(3000);
  };
  // Without speculation the tail waits for the frozen rank (3 s is within its patience):
  // no copies, and the run outlasts the freeze.
  run_with_rank_2_frozen("--no-speculation");
  const auto waited = summary();
  EXPECT_EQ(waited["speculative_chunks"].get<int>(), 0);
  EXPECT_EQ(waited["lost_ranks"].get<int>(), 0);
  EXPECT_GT(waited["seconds"].get<double>(), 3.0) << "the run did not wait for the frozen rank's chunks";
  run_with_rank_2_frozen("");
  const auto s = summary();
  const double frozen_seconds = s["seconds"].get<double>();
  RecordProperty("clean_seconds", std::to_string(clean_seconds));
  RecordProperty("frozen_seconds", std::to_string(frozen_seconds));
  std::printf("makespan: clean %.3f s, one worker frozen for 3 s: %.3f s (%.2fx)\n", clean_seconds, frozen_seconds,
              frozen_seconds / clean_seconds);
  // Waiting for the frozen rank would take past its 3 s freeze; the tail ran its chunks elsewhere.
  EXPECT_LT(frozen_seconds, 3.0) << "the run waited for the frozen rank";
  EXPECT_GT(s["speculative_chunks"].get<int>() + s["rerun_chunks"].get<int>(), 0);
}

TEST_F(RunResilience, ATaskThatCrashesItsWorkerIsQuarantinedAndTheRestCompletes) {
  // Rank 0 schedules only, so the crashing task lands on a worker (on rank 0 it would take
  // the job down: the next test). It kills one worker, runs again alone on another, kills
  // that one too, and fails for good; everything else completes in the same job.
  const pid_t job = start(sleep_job(2000, 300, "crash_task = 500\n[schedule]\non_error = \"continue\"\n"),
                          "--no-rank0-tasks");
  ASSERT_NE(wait_for(job, std::chrono::seconds(120)).first, -1) << slurp(path("bg.err"));
  EXPECT_EQ(run_exit_code(), 3) << slurp(path("bg.err"));
  auto file = rankpool::run_file::open(out_, false);
  const auto status = file.read_all<std::uint8_t>("/tasks/status");
  ASSERT_EQ(status.size(), 2000u);
  for (std::uint64_t i = 0; i < status.size(); ++i) EXPECT_EQ(status[i], i == 500 ? 2 : 1) << "task " << i;
  const auto failed = file.read_all<std::uint64_t>("/tasks/failed_index");
  const auto message = file.read_strings("/tasks/failed_message");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0], 500u);
  ASSERT_EQ(message.size(), 1u);
  EXPECT_NE(message[0].find("crashed its worker twice"), std::string::npos) << message[0];
  EXPECT_NE(message[0].find("signal 11"), std::string::npos) << message[0];
  EXPECT_EQ(summary()["quarantined_tasks"].get<int>(), 1);
  EXPECT_EQ(lost_in_events().size(), 2u);
}

// A sanitizer catches the deliberate SIGSEGV first, reports it and exits 1 instead of
// letting the signal end the process.
#if defined(__SANITIZE_ADDRESS__)
constexpr int crash_exit_code = 1;
#else
constexpr int crash_exit_code = 128 + SIGSEGV;
#endif

TEST_F(RunResilience, ATaskThatCrashesRankZeroConvergesInTwoResumes) {
  RANKPOOL_TEST_AT_RANKS(3);
  // Alone (one process) the task kills rank 0, so the job; the record of running tasks
  // makes the resume run it alone first; it dies again, and the second resume fails it
  // without running it.
  job_ = write_job("job.toml", sleep_job(600, 300, "crash_task = 100\n[schedule]\non_error = \"continue\"\n"));
  const std::string run = "run " + job_ + " --progress none --out " + out_;
  for (const std::string& attempt : {run, run + " --resume"}) {
    const auto crashed = run_rankpool(dir_, attempt, 0);
    EXPECT_EQ(crashed.code, crash_exit_code) << "the crash should end the process: " << crashed.err;
  }
  const auto last = run_rankpool(dir_, run + " --resume", 0);
  EXPECT_EQ(last.code, 3) << last.err;
  auto file = rankpool::run_file::open(out_, false);
  const auto status = file.read_all<std::uint8_t>("/tasks/status");
  ASSERT_EQ(status.size(), 600u);
  for (std::uint64_t i = 0; i < status.size(); ++i) EXPECT_EQ(status[i], i == 100 ? 2 : 1) << "task " << i;
  EXPECT_FALSE(std::filesystem::exists(out_ + ".running")) << "the record of running tasks outlived a clean end";

  // With workers, the resume runs the suspect on a worker; it crashes that worker and
  // fails in the job: one resume.
  remove_run();
  const pid_t first = start_command(dir_, recovering(run));
  wait_for(first, std::chrono::seconds(60));
  if (rankpool::run_file::open(out_, false).read_all<std::uint8_t>("/tasks/status")[100] == 0) {
    // Task 100 was running on rank 0 when it died (else a worker took the blow in the job).
    const pid_t resumed = start_command(dir_, recovering(run + " --resume"));
    ASSERT_NE(wait_for(resumed, std::chrono::seconds(90)).first, -1) << slurp(path("bg.err"));
  }
  EXPECT_EQ(run_exit_code(), 3);
  const auto after = rankpool::run_file::open(out_, false).read_all<std::uint8_t>("/tasks/status");
  for (std::uint64_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i], i == 100 ? 2 : 1) << "task " << i;
}

TEST_F(RunResilience, HealthyRunsNeverRerunOrDuplicateAChunk) {
  RANKPOOL_TEST_AT_RANKS(3);
  // Lognormal spin tasks: long ones are normal, not late.
  const pid_t lognormal = start(
      "app = \"synthetic\"\n[params]\ntasks = 2000\nduration_us = 500\ndistribution = \"lognormal\"\nseed = 7\n");
  ASSERT_NE(wait_for(lognormal, std::chrono::seconds(120)).first, -1);
  auto s = summary();
  EXPECT_EQ(s["lost_ranks"], 0);
  EXPECT_EQ(s["rerun_chunks"], 0);
  EXPECT_EQ(s["speculative_chunks"], 0);
  EXPECT_EQ(s["discarded_duplicates"], 0);
  remove_run();
  // 60 s tasks: the first chunks have no estimate, later ones the measured 60 s; no
  // timeout may fire because a task is long. Five tasks on three ranks: two rounds.
  const pid_t long_tasks = start(sleep_job(5, 60e6, "[schedule]\nchunk = 1\n"));
  ASSERT_NE(wait_for(long_tasks, std::chrono::seconds(200)).first, -1);
  EXPECT_EQ(run_exit_code(), 0);
  s = summary();
  EXPECT_EQ(s["lost_ranks"], 0);
  EXPECT_EQ(s["rerun_chunks"], 0);
  EXPECT_EQ(s["speculative_chunks"], 0);
  EXPECT_EQ(s["discarded_duplicates"], 0);
}

TEST_F(RunResilience, ARankSlowerThanTheEstimateIsNotLost) {
  RANKPOOL_TEST_AT_RANKS(3);
  // Rank 1 takes 7 s per task where the others take 10 ms: its first chunk runs 700
  // times the batch's estimate and past any fixed limit, but the rank says it is alive
  // while it computes, so it is slow, not lost: nothing runs again (its late chunks may
  // get speculative copies in the tail, the first result wins).
  const pid_t job = start(sleep_job(1200, 10000, "slow_rank = 1\nslow_factor = 700\n"));
  ASSERT_NE(wait_for(job, std::chrono::seconds(120)).first, -1) << slurp(path("bg.err"));
  EXPECT_EQ(run_exit_code(), 0);
  expect_all_results_exact(1200);
  const auto s = summary();
  EXPECT_EQ(s["rerun_chunks"], 0);
  EXPECT_EQ(s["quarantined_tasks"], 0);
  EXPECT_GT(s["seconds"].get<double>(), 5.5) << "the run must outlast the silence limit to show anything";
  for (const auto& event : s["rank_events"])
    EXPECT_EQ(event["reason"].get<std::string>().find("silent"), std::string::npos) << event.dump();
}

TEST_F(RunResilience, TheDeadlineStopsDispatchInTimeAndAResumeFinishes) {
  RANKPOOL_TEST_AT_RANKS(3);
  // 2 s tasks, a deadline 5 s away, 1 s of grace: chunks that cannot end by 4 s never start.
  job_ = write_job("job.toml", sleep_job(12, 2e6, "[schedule]\nchunk = 1\n"));
  const auto started = clock_type::now();
  const auto o = run_rankpool(dir_, "run " + job_ + " --progress none --json --deadline 5s --grace 1 --out " + out_,
                              test_ranks());
  const double took = std::chrono::duration<double>(clock_type::now() - started).count();
  EXPECT_EQ(o.code, 4) << o.err;
  EXPECT_LT(took, 5.0 + 2.0) << "it ran past the deadline (start-up included)";
  const auto s = nlohmann::json::parse(o.out);
  EXPECT_TRUE(s["deadline_reached"].get<bool>());
  EXPECT_GT(s["cancelled"].get<int>(), 0);
  auto file = rankpool::run_file::open(out_, false);
  EXPECT_EQ(file.string_attribute("/", "status"), "interrupted");
  // No chunk ran past the deadline minus the grace (times in seconds since the pool started).
  for (double end : file.read_all<double>("/chunks/end")) EXPECT_LE(end, 4.0 + 0.5) << "a chunk ended past the deadline";
  file.close();
  const auto resumed = run_rankpool(dir_, "run " + job_ + " --progress none --json --resume --out " + out_, test_ranks());
  EXPECT_EQ(resumed.code, 0) << resumed.err;
  const auto status = rankpool::run_file::open(out_, false).read_all<std::uint8_t>("/tasks/status");
  EXPECT_EQ(std::count(status.begin(), status.end(), 1), 12);
}

TEST_F(RunResilience, TasksWithCostsRunMostExpensiveFirstAndResultsKeepTaskOrder) {
  RANKPOOL_TEST_AT_RANKS(3);
  // nbody's cost is bodies^2 x steps. Alone, with one-task chunks, chunks come back in
  // the order they were handed out.
  job_ = write_job("job.toml", "app = \"nbody\"\n[params]\nsteps = 20\n[sweep]\nbodies = [16, 64, 32, 8]\n"
                               "[schedule]\nchunk = 1\n");
  const auto handed_out = [&](const std::string& flags) {
    const auto o = run_rankpool(dir_, "run " + job_ + " --threads 1 --progress none --force --out " + out_ + flags, 0);
    EXPECT_EQ(o.code, 0) << o.err;
    auto file = rankpool::run_file::open(out_, false);
    return std::make_pair(file.read_all<std::uint64_t>("/chunks/first_task"),
                          file.read_all<double>("/results/kinetic_energy"));
  };
  const auto [by_cost, cost_results] = handed_out("");
  EXPECT_EQ(by_cost, (std::vector<std::uint64_t>{1, 2, 0, 3})) << "64, 32, 16 then 8 bodies";
  const auto [by_index, index_results] = handed_out(" --task-order");
  EXPECT_EQ(by_index, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  ASSERT_EQ(cost_results.size(), 4u);
  EXPECT_EQ(cost_results, index_results) << "results are stored by task index whatever the order";
}

}  // namespace
