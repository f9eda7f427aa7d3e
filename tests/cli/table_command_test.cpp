// `rankpool table RUN.h5`: one row per task of a run at this entry's rank count. A sweep
// of sum_to_n gives its rows, columns and values (each sum against n (n + 1) / 2) as text,
// CSV and JSON, which parse back to the same values; --failed lists the failed tasks with
// their error, --pending the tasks a shard left (missing values empty in CSV, null in
// JSON); a missing or foreign file exits 2 with one line. tests/cli/table_recipe.py checks
// the h5py + pandas recipe of docs/OUTPUT.md against --csv.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "rankpool/run_file.hpp"
#include "support/cli_runner.hpp"

namespace {

using rankpool_test::count_lines_from_rankpool;
using rankpool_test::test_ranks;
using TableCommand = rankpool_test::cli;
using rows = std::vector<std::vector<std::string>>;

const std::vector<std::uint64_t> swept_n = {1, 10, 100, 1000, 10000, 100000, 1000000};
const std::string sweep_job = "app = \"sum_to_n\"\n[sweep]\nn = [1, 10, 100, 1000, 10000, 100000, 1000000]\n";
const std::vector<std::string> sweep_columns = {"task",   "n",        "results/n", "sum",    "sum_high",
                                                "status", "attempts", "rank",      "seconds"};

/// RFC 4180: fields split at commas outside double quotes, "" inside quotes is one ".
rows parse_csv(const std::string& text) {
  rows out;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      out.push_back(std::move(row));
      row.clear();
    } else {
      field.push_back(c);
    }
  }
  EXPECT_TRUE(row.empty() && field.empty()) << "the CSV does not end with a newline";
  return out;
}

/// Whitespace-separated words of each line.
rows words_of_lines(const std::string& text) {
  rows out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string word; words >> word;) row.push_back(word);
    out.push_back(row);
  }
  return out;
}

std::uint64_t sum_to(std::uint64_t n) { return n * (n + 1) / 2; }

class Table : public TableCommand {
 protected:
  /// `rankpool table FILE ARGS`, alone (it reads one file, no MPI); expects exit 0.
  std::string table(const std::string& file, const std::string& args = "") {
    const auto o = rankpool("table " + file + " " + args, 0);
    EXPECT_EQ(o.code, 0) << "table " << args << ": " << o.err;
    EXPECT_EQ(o.err, "") << "table " << args;
    return o.out;
  }

  /// Runs `job_text` at this entry's rank count into `name`; returns the exit code.
  int run(const std::string& job_text, const std::string& name, const std::string& flags = "") {
    const auto job = write_job(name + ".toml", job_text);
    const auto o = rankpool("run " + job + " --progress none " + flags + " --out " + path(name), test_ranks());
    EXPECT_NE(o.code, 2) << o.err;
    return o.code;
  }
};

TEST_F(Table, ASweepGivesOneRowPerTaskWithItsParametersAndResultsInTextCsvAndJson) {
  ASSERT_EQ(run(sweep_job, "sweep.h5"), 0);
  const int ranks = std::max(1, test_ranks());

  const rows csv = parse_csv(table(path("sweep.h5"), "--csv"));
  ASSERT_EQ(csv.size(), 1 + swept_n.size());
  EXPECT_EQ(csv[0], sweep_columns) << "the swept n, then the result n (renamed: it clashes), sum, ...";
  for (std::size_t t = 0; t < swept_n.size(); ++t) {
    const auto& row = csv[1 + t];
    ASSERT_EQ(row.size(), sweep_columns.size()) << t;
    EXPECT_EQ(row[0], std::to_string(t));
    EXPECT_EQ(row[1], std::to_string(swept_n[t]));
    EXPECT_EQ(row[2], std::to_string(swept_n[t]));
    EXPECT_EQ(std::stoull(row[3]), sum_to(swept_n[t])) << "n = " << swept_n[t];
    EXPECT_EQ(row[4], "0");
    EXPECT_EQ(row[5], "done");
    EXPECT_EQ(row[6], "1");
    const int rank = std::stoi(row[7]);
    EXPECT_TRUE(rank >= 0 && rank < ranks) << row[7];
    const double seconds = std::stod(row[8]);
    EXPECT_TRUE(std::isfinite(seconds) && seconds >= 0 && seconds < 60) << row[8];
  }

  const auto json = nlohmann::ordered_json::parse(table(path("sweep.h5"), "--json"));
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), swept_n.size());
  for (std::size_t t = 0; t < swept_n.size(); ++t) {
    const auto& row = json[t];
    std::vector<std::string> keys;
    for (const auto& item : row.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, sweep_columns);
    EXPECT_EQ(row["task"].get<std::uint64_t>(), t);
    EXPECT_EQ(row["n"].get<std::int64_t>(), static_cast<std::int64_t>(swept_n[t]));
    EXPECT_EQ(row["results/n"].get<std::uint64_t>(), swept_n[t]);
    EXPECT_EQ(row["sum"].get<std::uint64_t>(), sum_to(swept_n[t]));
    EXPECT_EQ(row["sum_high"].get<std::uint64_t>(), 0u);
    EXPECT_EQ(row["status"], "done");
    EXPECT_EQ(row["attempts"].get<int>(), 1);
    // The same values as the CSV: every digit of the seconds, the same rank.
    EXPECT_EQ(row["rank"].get<int>(), std::stoi(csv[1 + t][7]));
    EXPECT_EQ(row["seconds"].get<double>(), std::stod(csv[1 + t][8]));
  }

  // Text: aligned columns, the same header, one line per task.
  const rows text = words_of_lines(table(path("sweep.h5")));
  ASSERT_EQ(text.size(), 1 + swept_n.size());
  EXPECT_EQ(text[0], sweep_columns);
  for (std::size_t t = 0; t < swept_n.size(); ++t) {
    ASSERT_EQ(text[1 + t].size(), sweep_columns.size()) << t;
    for (std::size_t c = 0; c < 8; ++c) EXPECT_EQ(text[1 + t][c], csv[1 + t][c]) << "task " << t << ", " << csv[0][c];
  }
}

TEST_F(Table, FailedListsOnlyTheFailedTasksWithTheirError) {
  RANKPOOL_TEST_AT_RANKS(2);
  // Tasks 3, 7 and 11 throw; the others run.
  ASSERT_EQ(run("app = \"synthetic\"\n[params]\ntasks = 12\nfail_every = 4\n[schedule]\non_error = \"continue\"\n",
                "failed.h5"),
            3);
  const rows all = parse_csv(table(path("failed.h5"), "--csv"));
  ASSERT_EQ(all.size(), 13u);
  EXPECT_EQ(all[0], (std::vector<std::string>{"task", "checksum", "status", "attempts", "rank", "seconds"}));
  for (std::size_t t = 0; t < 12; ++t) EXPECT_EQ(all[1 + t][2], t % 4 == 3 ? "failed" : "done") << t;

  const rows failed = parse_csv(table(path("failed.h5"), "--failed --csv"));
  ASSERT_EQ(failed.size(), 4u);
  EXPECT_EQ(failed[0], (std::vector<std::string>{"task", "checksum", "status", "attempts", "rank", "seconds", "error"}));
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& row = failed[1 + k];
    ASSERT_EQ(row.size(), 7u);
    const std::string task = std::to_string(4 * k + 3);
    EXPECT_EQ(row[0], task);
    EXPECT_EQ(row[2], "failed");
    EXPECT_EQ(row[3], "1");
    EXPECT_EQ(row[6].rfind("Worker ", 0), 0u) << row[6];
    EXPECT_NE(row[6].find(": synthetic failure of task " + task + " (fail_every)"), std::string::npos) << row[6];
  }
  const auto json = nlohmann::json::parse(table(path("failed.h5"), "--failed --json"));
  ASSERT_EQ(json.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(json[k]["task"], 4 * k + 3);
    EXPECT_EQ(json[k]["error"], failed[1 + k][6]);
  }
  // Text cuts long messages but keeps the row.
  const rows text = words_of_lines(table(path("failed.h5"), "--failed"));
  ASSERT_EQ(text.size(), 4u);
  EXPECT_EQ(text[1][0], "3");
  EXPECT_EQ(text[1][2], "failed");
}

TEST_F(Table, PendingListsTheTasksAShardLeftWithoutValues) {
  RANKPOOL_TEST_AT_RANKS(2);
  // Part 0 of 2 runs tasks 0..2 of 7; tasks 3..6 stay pending.
  ASSERT_EQ(run(sweep_job, "part.h5", "--shard 0/2"), 0);
  const rows pending = parse_csv(table(path("part.h5"), "--pending --csv"));
  ASSERT_EQ(pending.size(), 5u);
  EXPECT_EQ(pending[0], sweep_columns);
  for (std::size_t k = 0; k < 4; ++k) {
    const std::size_t t = 3 + k;
    EXPECT_EQ(pending[1 + k], (std::vector<std::string>{std::to_string(t), std::to_string(swept_n[t]), "", "", "",
                                                        "pending", "0", "", ""}))
        << "the sweep's n is known, nothing else";
  }
  const auto json = nlohmann::json::parse(table(path("part.h5"), "--pending --json"));
  ASSERT_EQ(json.size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(json[k]["task"], 3 + k);
    EXPECT_EQ(json[k]["n"], swept_n[3 + k]);
    for (const char* missing : {"results/n", "sum", "sum_high", "rank", "seconds"})
      EXPECT_TRUE(json[k][missing].is_null()) << missing;
    EXPECT_EQ(json[k]["status"], "pending");
  }
  // The whole table: done rows with values, pending rows with "-".
  const rows text = words_of_lines(table(path("part.h5")));
  ASSERT_EQ(text.size(), 8u);
  EXPECT_EQ(text[1][5], "done");
  EXPECT_EQ(text[4], (std::vector<std::string>{"3", "1000", "-", "-", "-", "pending", "0", "-", "-"}));
  // Nothing failed: --failed is a header alone.
  EXPECT_EQ(parse_csv(table(path("part.h5"), "--failed --csv")).size(), 1u);
}

TEST_F(Table, AMissingOrForeignFileExitsTwoWithOneLine) {
  RANKPOOL_TEST_AT_RANKS(2);
  const auto text_file = write_job("notes.txt", "not an HDF5 file\n");
  const auto foreign = path("foreign.h5");
  {
    auto f = rankpool::run_file::create(foreign);
    f.create_dataset<double>("/x", {3}, 0.0);
  }
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {"table " + path("absent.h5"), "rankpool: table: " + path("absent.h5") + ": no such file"},
           {"table " + text_file, "rankpool: table: " + text_file},
           {"table " + foreign, "rankpool: table: " + foreign + ": not a rankpool run file (no /tasks/status)"},
           {"table " + foreign + " --csv --json", "--csv"},
           {"table", "file is required"}}) {
    const auto o = rankpool(args, 0);
    EXPECT_EQ(o.code, 2) << args << ": " << o.err;
    EXPECT_NE(o.err.find(expected), std::string::npos) << args << " said: " << o.err;
    EXPECT_EQ(count_lines_from_rankpool(o.err), 1) << args << ": " << o.err;
    EXPECT_EQ(o.out, "") << args;
  }
}

}  // namespace
