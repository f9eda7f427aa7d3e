// `rankpool status RUN.h5`: read again and again while a run at this entry's rank count
// writes (sleeping tasks, a flush every 0.2 s), it never fails once the run file exists,
// its counts only grow, and it ends complete with every task done; --json is the status
// record, written before the run file, so a run still laying out its file reads as
// running; a run whose rank 0 was killed reads as stopped; a missing file exits 2.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/background.hpp"
#include "support/cli_runner.hpp"

namespace {

namespace fs = std::filesystem;
using rankpool_test::count_lines_from_rankpool;
using rankpool_test::start_rankpool;
using rankpool_test::test_ranks;
using rankpool_test::wait_for;
using StatusCommand = rankpool_test::cli;
using clock_type = std::chrono::steady_clock;

/// 48 tasks of 0.1 s asleep: 2.4 s on 2 one-thread ranks, 4.8 s alone.
const std::string sleepy_job =
    "app = \"synthetic\"\n[params]\ntasks = 48\nduration_us = 100000\nwork = \"sleep\"\n[schedule]\nchunk = 1\n";

TEST_F(StatusCommand, ReadWhileARunWritesItNeverFailsCountsOnlyGrowAndItEndsComplete) {
  const auto job = write_job("sleepy.toml", sleepy_job);
  const auto out = path("sleepy.h5");
  const pid_t run = start_rankpool(dir_, "run " + job + " --progress none --threads 1 --flush-interval 0.2 --out " + out,
                                   test_ranks());
  std::uint64_t finished = 0;  // done + failed at the latest read
  int reads = 0, reads_running = 0, reads_partial = 0;
  int code = -1;
  const auto deadline = clock_type::now() + std::chrono::seconds(90);
  while (clock_type::now() < deadline) {
    int status = 0;
    if (waitpid(run, &status, WNOHANG) == run) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (!fs::exists(out)) {  // not started yet: "no such file" is right
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    const bool json = reads % 2 == 0;
    const auto o = rankpool("status " + out + (json ? " --json" : ""), 0);
    ++reads;
    ASSERT_EQ(o.code, 0) << "read " << reads << " failed while the run writes: " << o.err;
    if (json) {
      const auto record = nlohmann::json::parse(o.out);
      EXPECT_EQ(record["app"], "synthetic");
      EXPECT_EQ(record["tasks"], 48);
      const std::string state = record["state"];
      EXPECT_TRUE(state == "running" || state == "complete") << state;
      const auto now = record["done"].get<std::uint64_t>() + record["failed"].get<std::uint64_t>();
      EXPECT_GE(now, finished) << "the counts went back at read " << reads;
      EXPECT_LE(now, 48u);
      finished = now;
      reads_running += state == "running";
      reads_partial += now > 0 && now < 48;
    } else {
      EXPECT_NE(o.out.find(out + ": synthetic, "), std::string::npos) << o.out;
      EXPECT_NE(o.out.find("  tasks     48: "), std::string::npos) << o.out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(code, 0) << "the run did not end in time, or failed: " << rankpool_test::slurp(dir_ / "bg.err");
  EXPECT_GT(reads_running, 0) << "never saw the run running in " << reads << " reads";
  EXPECT_GT(reads_partial, 0) << "never saw a partial count in " << reads << " reads";

  const auto record = nlohmann::json::parse(rankpool("status " + out + " --json", 0).out);
  EXPECT_EQ(record["state"], "complete");
  EXPECT_EQ(record["tasks"], 48);
  EXPECT_EQ(record["done"], 48);
  EXPECT_EQ(record["failed"], 0);
  EXPECT_EQ(record["output"], out);
  EXPECT_EQ(record["ranks"].size(), static_cast<std::size_t>(std::max(1, test_ranks())));
  std::uint64_t tasks_by_ranks = 0;
  for (const auto& r : record["ranks"]) tasks_by_ranks += r["tasks"].get<std::uint64_t>();
  EXPECT_EQ(tasks_by_ranks, 48u);
  const auto text = rankpool("status " + out, 0);
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find(out + ": synthetic, complete\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  tasks     48: 48 done, 0 failed, 0 pending (100.0% finished)"), std::string::npos)
      << text.out;

  // Without its record (an older file, a copy), the run file's own attributes answer.
  fs::remove(out + ".status.json");
  const auto from_file = rankpool("status " + out, 0);
  EXPECT_EQ(from_file.code, 0) << from_file.err;
  EXPECT_NE(from_file.out.find("synthetic, complete"), std::string::npos) << from_file.out;
  EXPECT_NE(from_file.out.find("48 done, 0 failed, 0 pending"), std::string::npos) << from_file.out;
}

TEST_F(StatusCommand, ARunWhoseRankZeroWasKilledReadsAsStopped) {
  const auto job = write_job("long.toml", "app = \"synthetic\"\n[params]\ntasks = 400\nduration_us = 100000\n"
                                          "work = \"sleep\"\n[schedule]\nchunk = 1\n");
  const auto out = path("long.h5");
  const pid_t run = start_rankpool(dir_, "run " + job + " --progress none --threads 1 --flush-interval 0.2 --out " + out,
                                   test_ranks());
  // Wait for a flushed result: the record then names rank 0's process.
  nlohmann::json record;
  const auto deadline = clock_type::now() + std::chrono::seconds(60);
  while (clock_type::now() < deadline) {
    const auto o = rankpool("status " + out + " --json", 0);
    if (o.code == 0) {
      record = nlohmann::json::parse(o.out);
      if (record["done"].get<std::uint64_t>() > 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(record.is_object() && record["done"].get<std::uint64_t>() > 0) << "the run never made a result durable";
  ASSERT_EQ(record["state"], "running");
  const auto rank0 = static_cast<pid_t>(record["pid"].get<std::int64_t>());
  ASSERT_GT(rank0, 0);
  ASSERT_EQ(kill(rank0, SIGKILL), 0);
  const auto [code, seconds] = wait_for(run, std::chrono::seconds(30));
  EXPECT_NE(code, 0) << "the job went on without its rank 0";
  EXPECT_NE(code, -1) << "the job hung after its rank 0 was killed";

  const auto text = rankpool("status " + out, 0);
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("stopped: its process " + std::to_string(rank0) + " is gone"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("--resume"), std::string::npos) << text.out;
  // The record itself still says what rank 0 last wrote.
  const auto json = rankpool("status " + out + " --json", 0);
  EXPECT_EQ(json.code, 0) << json.err;
  const auto last = nlohmann::json::parse(json.out);
  EXPECT_EQ(last["state"], "running");
  EXPECT_EQ(last["pid"], record["pid"]);
  EXPECT_LT(last["done"].get<std::uint64_t>(), 400u);
}

TEST_F(StatusCommand, ARunThatIsStillLayingOutItsFileIsReadFromItsRecord) {
  RANKPOOL_TEST_AT_RANKS(0);  // rank 0 writes both, whatever the rank count
  // A million tasks: writing the file's layout takes milliseconds, and the file exists
  // (half written, unreadable) all that time. The record must answer from the start.
  // Expanding the sweep comes first and is slow (three million tasks took 7 s in Release,
  // 83 s under ASan on the 2-core development VM), hence the generous wait for the file.
  const auto job = write_job("big.toml", "app = \"sum_to_n\"\n[sweep]\nn = { start = 1, stop = 1000000, step = 1 }\n");
  const auto out = path("big.h5");
  const pid_t run = start_rankpool(dir_, "run " + job + " --progress none --threads 1 --grace 0.5 --out " + out,
                                   test_ranks());
  const auto deadline = clock_type::now() + std::chrono::seconds(240);
  while (!fs::exists(out) && clock_type::now() < deadline) std::this_thread::sleep_for(std::chrono::microseconds(200));
  EXPECT_TRUE(fs::exists(out)) << "the run file did not appear within 240 s";
  const auto o = rankpool("status " + out + " --json", 0);
  kill(run, SIGTERM);
  const auto [code, seconds] = wait_for(run, std::chrono::seconds(60));
  EXPECT_NE(code, -1) << "the run did not stop";
  ASSERT_EQ(o.code, 0) << o.err;
  const auto record = nlohmann::json::parse(o.out);
  EXPECT_EQ(record["tasks"], 1000000);
  EXPECT_EQ(record["state"], "running");
}

TEST_F(StatusCommand, AMissingOrForeignFileExitsTwoWithOneLine) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto absent = rankpool("status " + path("absent.h5"), 0);
  EXPECT_EQ(absent.code, 2) << absent.err;
  EXPECT_NE(absent.err.find("rankpool: status: " + path("absent.h5") + ": no such file"), std::string::npos) << absent.err;
  EXPECT_EQ(count_lines_from_rankpool(absent.err), 1) << absent.err;
  const auto text_file = write_job("notes.h5", "not an HDF5 file\n");
  const auto foreign = rankpool("status " + text_file + " --json", 0);
  EXPECT_EQ(foreign.code, 2) << foreign.err;
  EXPECT_NE(foreign.err.find("not a readable rankpool run file"), std::string::npos) << foreign.err;
  EXPECT_EQ(count_lines_from_rankpool(foreign.err), 1) << foreign.err;
  EXPECT_EQ(foreign.out, "");
  // A status record that is not one.
  write_job("broken.h5.status.json", "{\"app\": 3}");
  const auto broken = rankpool("status " + path("broken.h5"), 0);
  EXPECT_EQ(broken.code, 2) << broken.err;
  EXPECT_NE(broken.err.find("broken.h5.status.json: not a rankpool status record"), std::string::npos) << broken.err;
  EXPECT_EQ(count_lines_from_rankpool(broken.err), 1) << broken.err;
}

}  // namespace
