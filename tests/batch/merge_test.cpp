// merge.cpp (and run.cpp's shards) through real processes: `rankpool run --shard K/N`
// runs part K of N of a job into its own file, `rankpool merge` joins the parts into a
// file laid out like a single run. For every shipped app the merged /results, /tasks and
// /sweep equal an uninterrupted run's (h5diff, exact); failures, missing parts, resume of
// a merged file and every bad input of both commands are checked too. Each ctest entry
// runs at one rank count (merge_test.Nranks; 0 = rankpool alone, as `merge` always runs).

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "rankpool/run_file.hpp"
#include "support/app_jobs.hpp"
#include "support/cli_runner.hpp"

namespace {

using namespace rankpool_test;
namespace fs = std::filesystem;
using Merge = cli;

bool same(const std::string& a, const std::string& b, const std::string& object) {
  const std::string command = "h5diff -q " + a + " " + b + " " + object + " " + object + " > /dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

std::string attribute(const std::string& file, const std::string& name) {
  auto f = rankpool::run_file::open(file, false);
  return f.string_attribute("/", name);
}

/// STEM + k + ".h5" (built step by step: g++ 12 warns, wrongly, on the one-line form).
std::string numbered(std::string stem, int k) {
  stem += std::to_string(k);
  stem += ".h5";
  return stem;
}

nlohmann::json last_json_line(const std::string& out) {
  const auto start = out.rfind('{');
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start));
}

TEST_F(Merge, EveryAppsMergedShardsEqualASingleRun) {
  RANKPOOL_TEST_AT_RANKS(3);
  for (const auto& job : app_jobs) {
    scratch_dir dir;
    const auto file = dir.write(job.app + ".toml", job.toml);
    const auto reference = dir / "reference.h5";
    auto ref = run_rankpool(dir, "run " + file + " --progress none --out " + reference, 0);
    ASSERT_EQ(ref.code, 0) << job.app << ": " << ref.err;
    const int shards = 3;
    std::string parts;
    std::uint64_t shard_tasks = 0;
    std::size_t non_empty_shards = 0;
    for (int k = 0; k < shards; ++k) {
      const auto part = dir / numbered("part.", k);
      auto o = run_rankpool(dir,
                            "run " + file + " --progress none --json --chunk " + (k == 1 ? "1" : "auto") +
                                " --shard " + std::to_string(k) + "/" + std::to_string(shards) + " --out " + part,
                            1 + k % test_ranks());  // parts from allocations of 1 to N ranks
      ASSERT_EQ(o.code, 0) << job.app << " shard " << k << ": " << o.err;
      const auto summary = last_json_line(o.out);
      EXPECT_EQ(summary["shard"], std::to_string(k) + "/" + std::to_string(shards)) << job.app;
      EXPECT_EQ(summary["ran"], summary["tasks"]) << job.app;
      shard_tasks += summary["tasks"].get<std::uint64_t>();
      if (summary["tasks"] != 0) ++non_empty_shards;
      EXPECT_EQ(attribute(part, "status"), "complete") << job.app << " shard " << k;
      parts += " " + part;
    }
    const auto merged = dir / "merged.h5";
    auto m = run_rankpool(dir, "merge --json " + merged + parts, 0);
    ASSERT_EQ(m.code, 0) << job.app << ": " << m.err;
    const auto summary = last_json_line(m.out);
    EXPECT_EQ(summary["tasks"].get<std::uint64_t>(), shard_tasks) << job.app << ": the shards cover every task once";
    EXPECT_EQ(summary["done"], summary["tasks"]) << job.app;
    EXPECT_EQ(summary["pending"], 0) << job.app;
    for (const char* object : {"/results", "/tasks/status", "/tasks/attempts"})
      EXPECT_TRUE(same(reference, merged, object)) << job.app << ": merged " << object << " differ from a single run";
    if (job.toml.find("[sweep]") != std::string::npos) {
      EXPECT_TRUE(same(reference, merged, "/sweep")) << job.app << ": /sweep differs";
    }
    EXPECT_EQ(attribute(merged, "status"), "complete") << job.app;
    EXPECT_EQ(attribute(merged, "job_identity"), attribute(reference, "job_identity")) << job.app;
    auto f = rankpool::run_file::open(merged, false);
    EXPECT_EQ(f.strings_attribute("/", "merged_from").size(), 3u) << job.app;
    const auto sources = f.read_all<std::uint32_t>("/chunks/source");
    EXPECT_EQ(f.dims("/chunks/first_task"), std::vector<std::uint64_t>{sources.size()}) << job.app;
    EXPECT_EQ(std::set<std::uint32_t>(sources.begin(), sources.end()).size(), non_empty_shards)
        << job.app << ": chunks from every part that ran tasks";
    EXPECT_FALSE(fs::exists(merged + ".merging")) << job.app;
  }
}

TEST_F(Merge, TheImageOfAMergedMandelbrotEqualsASingleRunsImage) {
  RANKPOOL_TEST_AT_RANKS(2);
  const scratch_dir& dir = dir_;
  const auto file = dir.write("m.toml", "app = \"mandelbrot\"\n[params]\nwidth = 40\nheight = 30\nrows_per_task = 4\n");
  ASSERT_EQ(run_rankpool(dir, "run " + file + " --progress none --out " + (dir / "single.h5"), 0).code, 0);
  for (int k = 0; k < 2; ++k)
    ASSERT_EQ(run_rankpool(dir, "run " + file + " --progress none --shard " + std::to_string(k) + "/2 --out " +
                                    (dir / numbered("p", k)), test_ranks())
                  .code,
              0);
  EXPECT_FALSE(fs::exists(dir / "p0.png")) << "a shard is not the whole image";
  ASSERT_EQ(run_rankpool(dir, "merge " + (dir / "merged.h5") + " " + (dir / "p0.h5") + " " + (dir / "p1.h5"), 0).code,
            0);
  ASSERT_TRUE(fs::exists(dir / "merged.png"));
  EXPECT_EQ(slurp(dir / "merged.png"), slurp(dir / "single.png"));
  EXPECT_EQ(attribute(dir / "merged.h5", "image"), dir / "merged.png");
}

TEST_F(Merge, FailedTasksKeepTheirRecordsAndTheMergeExitsThree) {
  RANKPOOL_TEST_AT_RANKS(2);
  const scratch_dir& dir = dir_;
  const auto file = dir.write("f.toml",
                              "app = \"synthetic\"\n[params]\ntasks = 50\nfail_every = 7\n[schedule]\n"
                              "on_error = \"continue\"\n");
  ASSERT_EQ(run_rankpool(dir, "run " + file + " --progress none --out " + (dir / "single.h5"), test_ranks()).code, 3);
  std::string parts;
  for (int k = 0; k < 4; ++k) {
    const auto part = dir / numbered("p", k);
    EXPECT_EQ(run_rankpool(dir, "run " + file + " --progress none --shard " + std::to_string(k) + "/4 --out " + part, test_ranks())
                  .code,
              3);
    parts += " " + part;
  }
  auto m = run_rankpool(dir, "merge --json " + (dir / "merged.h5") + parts, 0);
  EXPECT_EQ(m.code, 3) << m.err;
  const auto summary = last_json_line(m.out);
  EXPECT_EQ(summary["failed"], 7);  // tasks 6, 13, ..., 48
  EXPECT_EQ(summary["done"], 43);
  EXPECT_TRUE(same(dir / "single.h5", dir / "merged.h5", "/results"));
  EXPECT_TRUE(same(dir / "single.h5", dir / "merged.h5", "/tasks/status"));
  auto single = rankpool::run_file::open(dir / "single.h5", false);
  auto merged = rankpool::run_file::open(dir / "merged.h5", false);
  auto expected = single.read_all<std::uint64_t>("/tasks/failed_index");
  auto got = merged.read_all<std::uint64_t>("/tasks/failed_index");
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected);
  const auto messages = merged.read_strings("/tasks/failed_message");
  ASSERT_EQ(messages.size(), got.size());
  EXPECT_NE(messages.front().find("synthetic failure of task"), std::string::npos) << messages.front();
  EXPECT_EQ(merged.string_attribute("/", "status"), "failed");
}

TEST_F(Merge, AMissingPartLeavesTasksPendingAndResumeFinishesThem) {
  RANKPOOL_TEST_AT_RANKS(2);
  const scratch_dir& dir = dir_;
  const auto file = dir.write("s.toml", "app = \"synthetic\"\n[params]\ntasks = 90\nseed = 9\n");
  ASSERT_EQ(run_rankpool(dir, "run " + file + " --progress none --out " + (dir / "single.h5"), 0).code, 0);
  for (int k : {0, 2})
    ASSERT_EQ(run_rankpool(dir, "run " + file + " --progress none --shard " + std::to_string(k) + "/3 --out " +
                                    (dir / numbered("p", k)), test_ranks())
                  .code,
              0);
  auto m = run_rankpool(dir, "merge --json " + (dir / "merged.h5") + " " + (dir / "p0.h5") + " " + (dir / "p2.h5"), 0);
  EXPECT_EQ(m.code, 3);
  EXPECT_EQ(last_json_line(m.out)["pending"], 30);
  EXPECT_NE(m.err.find("30 tasks have no result in any part"), std::string::npos) << m.err;
  EXPECT_EQ(attribute(dir / "merged.h5", "status"), "incomplete");
  // The merged file resumes like any run file, here in an allocation of another size.
  auto r = run_rankpool(dir, "run " + file + " --progress none --json --resume --out " + (dir / "merged.h5"),
                        test_ranks() + 1);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto summary = last_json_line(r.out);
  EXPECT_EQ(summary["already_done"], 60);
  EXPECT_EQ(summary["ran"], 30);
  EXPECT_TRUE(same(dir / "single.h5", dir / "merged.h5", "/results"));
  EXPECT_EQ(attribute(dir / "merged.h5", "status"), "complete");
}

TEST_F(Merge, AShardResumesOnlyAsTheSameShard) {
  RANKPOOL_TEST_AT_RANKS(2);
  const scratch_dir& dir = dir_;
  const auto file = dir.write("s.toml", "app = \"synthetic\"\n[params]\ntasks = 40\n");
  const auto part = dir / "p1.h5";
  ASSERT_EQ(run_rankpool(dir, "run " + file + " --progress none --shard 1/2 --out " + part, test_ranks()).code, 0);
  const auto before = fs::last_write_time(part);
  auto whole = run_rankpool(dir, "run " + file + " --progress none --resume --out " + part, test_ranks());
  EXPECT_EQ(whole.code, 2);
  EXPECT_NE(whole.err.find("holds shard 1/2, not the whole job (pass --shard 1/2)"), std::string::npos) << whole.err;
  auto other = run_rankpool(dir, "run " + file + " --progress none --resume --shard 0/2 --out " + part, test_ranks());
  EXPECT_EQ(other.code, 2);
  EXPECT_NE(other.err.find("holds shard 1/2, not shard 0/2"), std::string::npos) << other.err;
  EXPECT_EQ(fs::last_write_time(part), before) << "a refused resume writes nothing";
  auto same_shard =
      run_rankpool(dir, "run " + file + " --progress none --json --resume --shard 1/2 --out " + part, test_ranks());
  ASSERT_EQ(same_shard.code, 0) << same_shard.err;
  EXPECT_EQ(last_json_line(same_shard.out)["already_done"], 20);
  EXPECT_EQ(last_json_line(same_shard.out)["ran"], 0);
}

TEST_F(Merge, MoreShardsThanTasksGivesEmptyShards) {
  RANKPOOL_TEST_AT_RANKS(1);
  const scratch_dir& dir = dir_;
  const auto file = dir.write("s.toml", "app = \"synthetic\"\n[params]\ntasks = 2\n");
  std::string parts;
  for (int k = 0; k < 5; ++k) {
    const auto part = dir / numbered("p", k);
    auto o = run_rankpool(dir, "run " + file + " --progress none --json --shard " + std::to_string(k) + "/5 --out " +
                                   part, test_ranks());
    ASSERT_EQ(o.code, 0) << o.err;
    EXPECT_EQ(last_json_line(o.out)["tasks"], (k == 2 || k == 4) ? 1 : 0) << "shard " << k;
    parts += " " + part;
  }
  EXPECT_EQ(run_rankpool(dir, "merge " + (dir / "m.h5") + parts, 0).code, 0);
}

TEST_F(Merge, DryRunShowsTheShardsTasks) {
  RANKPOOL_TEST_AT_RANKS(0);
  const scratch_dir& dir = dir_;
  const auto file = dir.write("s.toml", "app = \"synthetic\"\n[params]\ntasks = 10\n");
  auto o = run_rankpool(dir, "run " + file + " --dry-run --shard 2/3", 0);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("shard 2/3: tasks 6 to 10 (4 tasks)"), std::string::npos) << o.out;
}

TEST_F(Merge, BadShardsAreRefusedWithExitTwoAndNothingWritten) {
  RANKPOOL_TEST_AT_RANKS(0, 2);
  const scratch_dir& dir = dir_;
  const auto file = dir.write("s.toml", "app = \"synthetic\"\n[params]\ntasks = 10\n");
  for (const std::string shard : {"3/3", "1/0", "x", "1/", "/2", "-1/2", "1/2/3", "1000000000/1000000001"}) {
    // Under mpirun two of them suffice: every rank must refuse, and rank 0 alone speak.
    if (test_ranks() > 0 && shard != "x" && shard != "3/3") continue;
    auto o = run_rankpool(dir, "run " + file + " --progress none --shard '" + shard + "' --out " + (dir / "o.h5"),
                          test_ranks());
    EXPECT_EQ(o.code, 2) << shard;
    EXPECT_NE(o.err.find("--shard " + shard + ": expected INDEX/COUNT"), std::string::npos) << shard << ": " << o.err;
    EXPECT_EQ(count_lines_from_rankpool(o.err), 1) << shard << ": " << o.err;
    EXPECT_FALSE(fs::exists(dir / "o.h5")) << shard;
  }
}

TEST_F(Merge, BadMergesAreRefusedWithExitTwoAndNothingWritten) {
  RANKPOOL_TEST_AT_RANKS(0);
  const scratch_dir& dir = dir_;
  const auto a = dir.write("a.toml", "app = \"synthetic\"\n[params]\ntasks = 20\nseed = 1\n");
  const auto b = dir.write("b.toml", "app = \"synthetic\"\n[params]\ntasks = 20\nseed = 2\n");
  for (int k = 0; k < 2; ++k)
    ASSERT_EQ(run_rankpool(dir, "run " + a + " --progress none --shard " + std::to_string(k) + "/2 --out " +
                                    (dir / numbered("a", k)), 0)
                  .code,
              0);
  ASSERT_EQ(run_rankpool(dir, "run " + b + " --progress none --shard 1/2 --out " + (dir / "b1.h5"), 0).code, 0);
  ASSERT_EQ(run_rankpool(dir, "run " + a + " --progress none --out " + (dir / "whole.h5"), 0).code, 0);
  dir.write("text.h5", "not HDF5\n");
  ASSERT_EQ(std::system(("h5copy -i " + (dir / "a0.h5") + " -o " + (dir / "foreign.h5") +
                         " -s /chunks -d /chunks > /dev/null 2>&1")
                            .c_str()),
            0);
  dir.write("existing.h5", "keep me\n");
  const std::string out = dir / "out.h5";
  struct bad_merge {
    std::string args;
    std::string message;
  };
  const std::vector<bad_merge> cases = {
      {out + " " + (dir / "a0.h5") + " " + (dir / "nope.h5"), "nope.h5: no such file"},
      {out + " " + (dir / "a0.h5") + " " + (dir / "text.h5"), "text.h5: not a readable rankpool run file"},
      {out + " " + (dir / "a0.h5") + " " + (dir / "foreign.h5"), "foreign.h5: not a rankpool run file"},
      {out + " " + (dir / "a0.h5") + " " + (dir / "b1.h5"), "b1.h5: a different job from"},
      {out + " " + (dir / "a0.h5") + " " + (dir / "whole.h5"), "task 0 is finished in both"},
      {out + " " + (dir / "a0.h5") + " " + (dir / "a0.h5"), "task 0 is finished in both"},
      {(dir / "existing.h5") + " " + (dir / "a0.h5") + " " + (dir / "a1.h5"), "existing.h5: output exists; pass --force"},
      {(dir / "no_dir/out.h5") + " " + (dir / "a0.h5"), "does not exist"},
      {(dir / "a0.h5") + " --force " + (dir / "a0.h5") + " " + (dir / "a1.h5"), "a0.h5: is the output too"},
  };
  for (const auto& c : cases) {
    auto o = run_rankpool(dir, "merge " + c.args, 0);
    EXPECT_EQ(o.code, 2) << c.args << ": " << o.err;
    EXPECT_NE(o.err.find(c.message), std::string::npos) << c.args << ": " << o.err;
    EXPECT_EQ(count_lines_from_rankpool(o.err), 1) << c.args << ": " << o.err;
    EXPECT_FALSE(fs::exists(out)) << c.args;
    EXPECT_FALSE(fs::exists(out + ".merging")) << c.args;
  }
  EXPECT_EQ(slurp(dir / "existing.h5"), "keep me\n");
  auto no_parts = run_rankpool(dir, "merge " + out, 0);
  EXPECT_EQ(no_parts.code, 2);
  EXPECT_NE(no_parts.err.find("parts is required"), std::string::npos) << no_parts.err;
  auto forced = run_rankpool(dir, "merge --force " + (dir / "existing.h5") + " " + (dir / "a0.h5") + " " + (dir / "a1.h5"), 0);
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_TRUE(same(dir / "whole.h5", dir / "existing.h5", "/results"));
}

}  // namespace
