// examples/powers, the declarative app a user copies, run as its own program (rankpool's
// command line with the app in it) at this entry's rank count: every estimate is the
// same bit for bit as one process's, whatever the chunking and the threads per rank,
// although other ranks ran the tasks (a task's random stream depends on the seed and the
// task index only, never on the rank, thread or chunk), and each is within 5 standard
// errors of the exact 1 / (p + 1).
#include <bit>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rankpool/run_file.hpp"
#include "support/cli_runner.hpp"

namespace {

using rankpool_test::test_ranks;
using Powers = rankpool_test::cli;

const std::vector<double> powers = {0, 0.5, 1, 2, 3, 5, 8, 13, 21, 34};

const std::string sweep_job = "app = \"powers\"\n[params]\nsamples = 40000\n[sweep]\n"
                              "p = [0, 0.5, 1, 2, 3, 5, 8, 13, 21, 34]\n";

struct estimates {
  std::vector<double> value;
  std::vector<double> error;
  std::vector<std::int64_t> rank;  ///< /timing/rank: who ran each task
};

estimates read_estimates(const std::string& file) {
  auto run = rankpool::run_file::open(file, false);
  return {run.read_all<double>("/results/value"), run.read_all<double>("/results/error"),
          run.read_all<std::int64_t>("/timing/rank")};
}

/// Bit for bit: == would call -0.0 and 0.0 equal.
void expect_same_bits(const std::vector<double>& got, const std::vector<double>& expected, const std::string& what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(std::bit_cast<std::uint64_t>(got[i]), std::bit_cast<std::uint64_t>(expected[i]))
        << what << ", task " << i << ": " << got[i] << " against " << expected[i];
}

TEST_F(Powers, EstimatesAreTheSameBitsAsOneProcessForAnyChunkingAndThreadsAndWithinFiveStandardErrors) {
  const auto job = write_job("powers.toml", sweep_job);
  const auto alone = rankpool("run " + job + " --progress none --threads 1 --out " + path("alone.h5"), 0);
  ASSERT_EQ(alone.code, 0) << alone.err;
  const estimates reference = read_estimates(path("alone.h5"));
  ASSERT_EQ(reference.value.size(), powers.size());
  ASSERT_EQ(reference.error.size(), powers.size());
  for (std::size_t i = 0; i < powers.size(); ++i) {
    const double exact = 1 / (powers[i] + 1);
    if (powers[i] == 0) {  // x^0 = 1 for every sample: no spread at all
      EXPECT_EQ(reference.value[i], 1.0);
      EXPECT_EQ(reference.error[i], 0.0);
      continue;
    }
    EXPECT_GT(reference.error[i], 0) << "p = " << powers[i];
    EXPECT_LT(reference.error[i], 0.01) << "p = " << powers[i];
    EXPECT_LE(std::abs(reference.value[i] - exact), 5 * reference.error[i])
        << "p = " << powers[i] << ": " << reference.value[i] << " against " << exact;
  }

  const int ranks = test_ranks();
  for (const auto& [chunk, threads] : std::vector<std::pair<std::string, int>>{{"1", 1}, {"auto", 2}, {"auto", 1}, {"3", 2}}) {
    const std::string what = std::to_string(ranks) + " ranks, --chunk " + chunk + ", " + std::to_string(threads) + " threads";
    const auto out = path("chunk_" + chunk + "_threads_" + std::to_string(threads) + ".h5");
    const auto o = rankpool("run " + job + " --progress none --chunk " + chunk + " --threads " + std::to_string(threads) +
                                " --out " + out,
                            ranks);
    ASSERT_EQ(o.code, 0) << what << ": " << o.err;
    const estimates got = read_estimates(out);
    expect_same_bits(got.value, reference.value, what + ": value");
    expect_same_bits(got.error, reference.error, what + ": error");
    ASSERT_EQ(got.rank.size(), powers.size());
    const std::set<std::int64_t> ran_on(got.rank.begin(), got.rank.end());
    for (std::int64_t r : ran_on) EXPECT_TRUE(r >= 0 && r < ranks) << what << ": rank " << r;
    // One-task chunks go to every rank from the start (each holds several in its queue):
    // the equality above is then between tasks that ran on different ranks.
    if (chunk == "1" && ranks > 1) {
      EXPECT_GT(ran_on.size(), 1u) << what << ": every task ran on one rank";
    }
  }
}

TEST_F(Powers, AnotherSeedDrawsOtherNumbersAndEachTaskItsOwn) {
  RANKPOOL_TEST_AT_RANKS(2);
  // Without a sweep: `tasks` replicas of one p, each with its task index's stream.
  const auto job = write_job("replicas.toml", "app = \"powers\"\n[params]\np = 2\nsamples = 20000\ntasks = 6\n");
  ASSERT_EQ(rankpool("run " + job + " --progress none --out " + path("seed1.h5"), test_ranks()).code, 0);
  ASSERT_EQ(rankpool("run " + job + " --progress none --set params.seed=2 --out " + path("seed2.h5"), test_ranks()).code, 0);
  const estimates one = read_estimates(path("seed1.h5"));
  const estimates two = read_estimates(path("seed2.h5"));
  ASSERT_EQ(one.value.size(), 6u);
  ASSERT_EQ(two.value.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_NE(one.value[i], two.value[i]) << "task " << i << ": seed 2 drew seed 1's numbers";
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(one.value[i], one.value[j]) << "tasks " << j << " and " << i;
    EXPECT_LE(std::abs(one.value[i] - 1.0 / 3), 5 * one.error[i]) << i;
  }
}

TEST_F(Powers, AppsListsTheDeclaredAndTheAutomaticParameters) {
  RANKPOOL_TEST_AT_RANKS(1);
  const auto o = rankpool("apps", 0);
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* line : {"powers: Monte Carlo integral of x^p over [0, 1]", "    p (real, default 1, min 0, max 1000)",
                           "    samples (integer, default 100000, min 1", "    seed (integer, default 1",
                           "    tasks (integer, default 1, min 1"})
    EXPECT_NE(o.out.find(line), std::string::npos) << line << " missing from:\n" << o.out;
  EXPECT_EQ(o.out.find("synthetic"), std::string::npos) << "the example holds its own app only:\n" << o.out;
}

}  // namespace
