// `rankpool run` end to end: real processes under mpirun, exit codes, the JSON summary,
// and the HDF5 file read back. Each ctest entry runs at one rank count (run_command_test.Nranks).
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "rankpool/run_file.hpp"
#include "support/cli_runner.hpp"
#include "synthetic/workload.hpp"

namespace {

namespace fs = std::filesystem;
using rankpool_test::count_lines_from_rankpool;
using rankpool_test::slurp;
using rankpool_test::test_ranks;
using RunCommand = rankpool_test::cli;

TEST_F(RunCommand, SyntheticRunGivesTheSameResultsWithEveryChunkPolicy) {
  const int ranks = test_ranks();
  const auto job = write_job("noop.toml", "app = \"synthetic\"\n[params]\ntasks = 2003\nseed = 9\n");
  synthetic::workload reference;
  reference.seed = 9;
  for (const std::string chunk : {"1", "7", "guided", "auto"}) {
    const auto out = path("chunk_" + chunk + ".h5");
    auto o = rankpool("run " + job + " --json --progress none --chunk " + chunk + " --out " + out, ranks);
    ASSERT_EQ(o.code, 0) << chunk << ": " << o.err;
    const auto summary = nlohmann::json::parse(o.out);
    EXPECT_EQ(summary["app"], "synthetic");
    EXPECT_EQ(summary["tasks"], 2003);
    EXPECT_EQ(summary["failed"], 0);
    EXPECT_EQ(summary["ranks"], ranks);
    EXPECT_GE(summary["threads_per_rank"].get<int>(), 1);
    EXPECT_GT(summary["tasks_per_s"].get<double>(), 0);
    EXPECT_EQ(summary["output"], out);
    for (const char* key : {"seconds", "busy_seconds", "efficiency"}) EXPECT_TRUE(summary.contains(key)) << key;

    auto file = rankpool::run_file::open(out, false);
    EXPECT_EQ(file.string_attribute("/", "app"), "synthetic");
    EXPECT_EQ(file.string_attribute("/", "status"), "complete");
    EXPECT_EQ(file.int_attribute("/", "ranks"), ranks);
    EXPECT_EQ(file.strings_attribute("/", "hosts").size(), static_cast<std::size_t>(ranks));
    EXPECT_NE(file.string_attribute("/", "job_toml").find("tasks = 2003"), std::string::npos);
    const auto status = file.read_all<std::uint8_t>("/tasks/status");
    ASSERT_EQ(status.size(), 2003u);
    EXPECT_EQ(std::count(status.begin(), status.end(), 1), 2003) << chunk;
    const auto checksum = file.read_all<std::uint32_t>("/results/checksum");
    ASSERT_EQ(checksum.size(), 2003u);
    for (std::uint64_t i = 0; i < checksum.size(); ++i) ASSERT_EQ(checksum[i], reference.run(i)) << chunk << " " << i;
    const auto counts = file.read_all<std::uint32_t>("/chunks/count");
    const auto first = file.read_all<std::uint64_t>("/chunks/first_task");
    const auto rank = file.read_all<std::uint32_t>("/chunks/rank");
    ASSERT_GT(counts.size(), 0u);
    ASSERT_EQ(first.size(), counts.size());
    ASSERT_EQ(rank.size(), counts.size());
    std::uint64_t covered = 0;
    for (std::size_t c = 0; c < counts.size(); ++c) {
      covered += counts[c];
      EXPECT_LT(first[c], 2003u);
      EXPECT_LT(rank[c], static_cast<std::uint32_t>(ranks));
    }
    EXPECT_EQ(covered, 2003u) << chunk;
    if (chunk == "1") {
      EXPECT_EQ(counts.size(), 2003u);
    }
  }
}

TEST_F(RunCommand, FailedTasksGiveExitThreeAndAreRecorded) {
  RANKPOOL_TEST_AT_RANKS(1, 2, 4);
  const auto job = write_job("f.toml", "app = \"synthetic\"\n[params]\ntasks = 100\nfail_every = 10\n"
                                       "[schedule]\non_error = \"continue\"\nretries = 1\nchunk = 3\n");
  const auto out = path("f.h5");
  auto o = rankpool("run " + job + " --json --progress none --out " + out, test_ranks());
  ASSERT_EQ(o.code, 3) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out)["failed"], 10);
  auto file = rankpool::run_file::open(out, false);
  EXPECT_EQ(file.string_attribute("/", "status"), "failed");
  const auto status = file.read_all<std::uint8_t>("/tasks/status");
  const auto attempts = file.read_all<std::uint8_t>("/tasks/attempts");
  ASSERT_EQ(status.size(), 100u);
  ASSERT_EQ(attempts.size(), 100u);
  for (std::uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(status[i], i % 10 == 9 ? 2 : 1) << i;
    EXPECT_EQ(attempts[i], i % 10 == 9 ? 2 : 1) << i;
  }
  auto failed = file.read_all<std::uint64_t>("/tasks/failed_index");
  std::sort(failed.begin(), failed.end());
  ASSERT_EQ(failed.size(), 10u);
  EXPECT_EQ(failed.front(), 9u);
  EXPECT_EQ(failed.back(), 99u);
  const auto messages = file.read_strings("/tasks/failed_message");
  ASSERT_EQ(messages.size(), 10u);
  EXPECT_NE(messages[0].find("synthetic failure of task"), std::string::npos) << messages[0];
  EXPECT_NE(messages[0].find("Worker "), std::string::npos) << messages[0];
}

TEST_F(RunCommand, OnErrorAbortStopsEarlyWithExitThree) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto job = write_job("f.toml", "app = \"synthetic\"\n[params]\ntasks = 100000\nfail_every = 10\n");
  auto o = rankpool("run " + job + " --json --progress none --on-error abort --chunk 1 --out " + path("abort.h5"),
                    test_ranks());
  EXPECT_EQ(o.code, 3) << o.err;
  const auto summary = nlohmann::json::parse(o.out);
  EXPECT_GE(summary["failed"].get<int>(), 1);
  EXPECT_GT(summary["cancelled"].get<int>(), 0) << "fewer tasks ran than the batch holds";
}

struct bad_case {
  std::string name;
  std::string job_text;  // empty = use a good job
  std::string flags;
  std::string expected;  // substring of the one-line message
};

TEST_F(RunCommand, BadInputExitsTwoWithOneLineAndWritesNothing) {
  RANKPOOL_TEST_AT_RANKS(1, 3);
  const std::string good = "app = \"synthetic\"\n[params]\ntasks = 10\n";
  const std::vector<bad_case> cases = {
      {"malformed", "app = \"synthetic\"\n[params\ntasks = 1\n", "", "malformed.toml:2:8: invalid TOML: expected ']'"},
      {"unknown_top", "colour = 3\n" + good, "", "unknown_top.toml:1:1: colour: unknown key"},
      {"unknown_app", "app = \"nope\"\n", "", "unknown_app.toml:1:7: app: unknown app \"nope\""},
      // This program's apps, and the nearest name.
      {"near_app", "app = \"sum_to_nn\"\n", "", "near_app.toml:1:7: app: unknown app \"sum_to_nn\": this program's apps are "},
      {"missing_app", "[params]\ntasks = 1\n", "", "app: missing"},
      {"unknown_param", "app = \"synthetic\"\n[params]\ntaks = 1\n", "", "unknown_param.toml:3:1: params.taks: unknown parameter"},
      {"wrong_type", "app = \"synthetic\"\n[params]\ntasks = \"many\"\n", "", "wrong_type.toml:3:9: params.tasks: expected an integer, found a string"},
      {"out_of_range", "app = \"synthetic\"\n[params]\ntasks = -5\n", "", "out_of_range.toml:3:9: params.tasks: -5 is below the minimum 0"},
      {"bad_choice", "app = \"synthetic\"\n[params]\nwork = \"dance\"\n", "", "bad_choice.toml:3:8: params.work: \"dance\" is not one of"},
      {"bad_schedule", good + "[schedule]\nchunk = 0\n", "", "bad_schedule.toml:5:9: schedule.chunk: \"0\" is not auto"},
      {"bad_on_error", good + "[schedule]\non_error = \"ignore\"\n", "", "bad_on_error.toml:5:12: schedule.on_error: \"ignore\" is not"},
      {"bad_set", "", "--set params.tasks=lots", "--set params.tasks=lots: \"lots\" is not an integer"},
      {"set_unknown", "", "--set params.nope=1", "--set params.nope=1: unknown parameter nope"},
      {"bad_chunk_flag", "", "--chunk -3", "--chunk"},
      {"bad_threads", "", "--threads 0", "--threads"},
      {"bad_progress", "", "--progress loud", "--progress"},
      {"missing_dir", "", "--out /nonexistent/dir/x.h5", "does not exist"},
      {"not_utf8", good + "# caf\xe9\n", "", "not_utf8.toml:4:6: invalid TOML: not valid UTF-8 (byte 0xE9)"},
      {"too_deep", good + "x = " + std::string(130, '[') + std::string(130, ']') + "\n", "", "too_deep.toml:4:133: invalid TOML: arrays and inline tables nested deeper than 128"},
      // Crashed the previous TOML library with SIGSEGV.
      {"array_then_array_of_tables", "a = []\n[[a.b]]\n", "", "array_then_array_of_tables.toml:2:3: invalid TOML: a is already an array"},
      // The kind of input that overflowed a heap buffer in the previous library: ''' strings holding """.
      {"ml_literal_quotes", "app = \"synthetic\"\n[output]\npath = '''out\"\"\"\nx\"\"\"'''\nwork = '''\"\"\"", "",
       "ml_literal_quotes.toml:5:8: invalid TOML: unterminated multi-line literal string"},
      // Valid TOML 1.0 that the previous library called malformed: a job problem, not a syntax error.
      {"valid_toml_bad_job", "[[x.y]]\n[x]\n" + good, "", "valid_toml_bad_job.toml:1:3: x: unknown key"},
      {"mandelbrot_box", "app = \"mandelbrot\"\n[params]\nx_min = 1.0\nx_max = 0.0\n", "", "mandelbrot_box.toml:4:9: params.x_max: must be greater"},
  };
  for (const auto& c : cases) {
    const auto job = write_job(c.name + ".toml", c.job_text.empty() ? good : c.job_text);
    const auto out = path(c.name + ".h5");
    const std::string out_flag = c.flags.find("--out") == std::string::npos ? " --out " + out : "";
    auto o = rankpool("run " + job + out_flag + " " + c.flags, test_ranks());
    EXPECT_EQ(o.code, 2) << c.name << ": " << o.err;
    EXPECT_NE(o.err.find(c.expected), std::string::npos) << c.name << " said: " << o.err;
    EXPECT_EQ(count_lines_from_rankpool(o.err), 1) << c.name << " printed more or less than one line: " << o.err;
    EXPECT_FALSE(fs::exists(out)) << c.name << " wrote an output file";
  }
  // An unknown app: every app of this program, and the nearest name.
  auto near = rankpool("run " + write_job("near.toml", "app = \"sum_to_nn\"\n") + " --out " + path("near.h5"), test_ranks());
  EXPECT_EQ(near.code, 2) << near.err;
  for (const char* app : {"synthetic", "mandelbrot", "heat", "montecarlo", "nbody", "sum_to_n"})
    EXPECT_NE(near.err.find(std::string(" ") + app), std::string::npos) << app << " not listed: " << near.err;
  EXPECT_NE(near.err.find("; did you mean sum_to_n?"), std::string::npos) << near.err;
  auto missing = rankpool("run " + path("absent.toml"), test_ranks());
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("cannot open the job file"), std::string::npos) << missing.err;
}

// An output directory the user cannot write to: refused before anything runs, with
// exit 2 and one line, for `run` (alone and under mpirun) and `merge`. As root (the
// usual CI user) every directory is writable, so the test drops to user nobody
// (setpriv), and also mounts the directory read-only in a private mount namespace
// (unshare), which stops root too; a non-root user just loses write permission.
TEST_F(RunCommand, UnwritableOutputDirectoryExitsTwoAndWritesNothing) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto job = write_job("j.toml", "app = \"synthetic\"\n[params]\ntasks = 6\n");
  const auto locked = path("locked");
  fs::create_directory(locked);
  const auto part = path("part.h5");
  ASSERT_EQ(rankpool("run " + job + " --progress none --shard 0/1 --out " + part, 0).code, 0);
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(job, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(part, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);

  std::vector<std::pair<std::string, std::string>> wrappers;  // (label, wrapper)
  if (geteuid() == 0) {
    wrappers.emplace_back("user nobody", "setpriv --reuid=65534 --regid=65534 --clear-groups");
    wrappers.emplace_back("read-only mount", "unshare -m --propagation private sh -c 'mount --bind " + locked + " " +
                                                 locked + " && mount -o remount,bind,ro " + locked +
                                                 " && exec \"$0\" \"$@\"'");
  } else {
    wrappers.emplace_back("no write permission", "");
  }
  const auto out = locked + "/o.h5";
  for (const auto& [label, wrapper] : wrappers) {
    for (int ranks : {0, test_ranks()}) {
      const std::string where = label + ", " + std::to_string(ranks) + " ranks";
      auto run = rankpool("run " + job + " --progress none --out " + out, ranks, wrapper);
      EXPECT_EQ(run.code, 2) << where << ": " << run.err;
      EXPECT_NE(run.err.find(out + ": output directory " + locked + " is not writable"), std::string::npos)
          << where << ": " << run.err;
      EXPECT_EQ(count_lines_from_rankpool(run.err), 1) << where << ": " << run.err;
    }
    auto merge = rankpool("merge " + out + " " + part, 0, wrapper);
    EXPECT_EQ(merge.code, 2) << label << ": " << merge.err;
    EXPECT_NE(merge.err.find(out + ": output directory " + locked + " is not writable"), std::string::npos)
        << label << ": " << merge.err;
    EXPECT_FALSE(fs::exists(out)) << label;
    EXPECT_FALSE(fs::exists(out + ".merging")) << label;
  }
  EXPECT_TRUE(fs::is_empty(locked)) << "nothing written in " << locked;
}

TEST_F(RunCommand, ExistingOutputIsNeverOverwrittenWithoutForce) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto job = write_job("j.toml", "app = \"synthetic\"\n[params]\ntasks = 5\n");
  const auto out = path("exists.h5");
  std::ofstream(out) << "precious";
  auto o = rankpool("run " + job + " --out " + out, test_ranks());
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("output exists"), std::string::npos) << o.err;
  EXPECT_EQ(slurp(out), "precious");
  EXPECT_EQ(rankpool("run " + job + " --force --progress none --out " + out, test_ranks()).code, 0);
  EXPECT_EQ(rankpool::run_file::open(out, false).string_attribute("/", "status"), "complete");
}

TEST_F(RunCommand, SetOverridesAndProgressLog) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto job = write_job("s.toml", "app = \"synthetic\"\n[params]\ntasks = 5\n");
  auto o = rankpool("run " + job + " --json --progress log --set params.tasks=77 --out " + path("s.h5"), test_ranks());
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out)["tasks"], 77);
  EXPECT_NE(o.err.find("77/77 tasks"), std::string::npos) << o.err;
  auto file = rankpool::run_file::open(path("s.h5"), false);
  EXPECT_NE(file.string_attribute("/", "job_resolved").find("tasks = 77"), std::string::npos);
}

}  // namespace
