// params and the sweep table: combination order (product, last axis fastest; zip),
// value_index, combination() values and origins, reject() messages, and the validation
// parse_job applies to an app's declared parameters, every message "FILE:LINE:COL: KEY:
// REASON". Two small apps registered here stand in for real ones.
#include "rankpool/params.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rankpool/app.hpp"
#include "rankpool/error.hpp"
#include "rankpool/job.hpp"
#include "support/stub_app.hpp"

namespace {

using rankpool::param_value;
using rankpool::sweep_axis;
using rankpool::sweep_table;

/// One task per sweep combination; refuses n x dt above 1 (a cross-parameter check).
class probe_app : public rankpool_test::stub_app {
 public:
  explicit probe_app(const rankpool::params& p) : stub_app(p.combinations()) {
    if (static_cast<double>(p.integer("n")) * p.real("dt") > 1.0) p.reject("n", "n x dt must stay at most 1");
  }
};

/// Always one task: cannot be swept.
class single_app : public probe_app {
 public:
  using probe_app::probe_app;
  std::uint64_t task_count() const override { return 1; }
};

std::vector<rankpool::param_spec> probe_params() {
  return {rankpool::integer_param("n", 4, "size", 1, 1000), rankpool::real_param("dt", 0.125, "step", 0.0),
          rankpool::string_param("mode", "fast", "how", {"fast", "slow"}),
          rankpool::bool_param("verbose", false, "talk")};
}
RANKPOOL_REGISTER_APP((rankpool::app_info{"probe", "a test app", probe_params(), [](const rankpool::params& p) {
                         return std::make_unique<probe_app>(p);
                       }}));
RANKPOOL_REGISTER_APP((rankpool::app_info{"single", "a test app of one task", probe_params(),
                                          [](const rankpool::params& p) { return std::make_unique<single_app>(p); }}));

std::vector<param_value> integers(std::initializer_list<std::int64_t> values) {
  return std::vector<param_value>(values.begin(), values.end());
}

rankpool::job_spec parse(const std::string& text, const rankpool::job_overrides& overrides = {}) {
  return rankpool::parse_job("job.toml", text, overrides);
}

/// The usage_error message parse_job gives for `text`, or "" when it accepts it.
std::string rejection(const std::string& text, const rankpool::job_overrides& overrides = {}) {
  try {
    parse(text, overrides);
  } catch (const rankpool::usage_error& e) {
    return e.what();
  }
  return "";
}

struct bad_job {
  std::string text;
  std::string message;  ///< the whole message, position and all
};

void expect_rejections(const std::vector<bad_job>& cases) {
  for (const auto& c : cases) EXPECT_EQ(rejection(c.text), c.message) << c.text;
}

TEST(SweepTable, ProductCombinesEveryValueWithTheLastAxisFastest) {
  sweep_table t;
  t.axes = {{"a", integers({1, 2}), {}, {}}, {"b", integers({10, 20, 30}), {}, {}}, {"c", integers({7}), {}, {}}};
  ASSERT_EQ(t.size(), 6u);
  const std::vector<std::size_t> a = {0, 0, 0, 1, 1, 1}, b = {0, 1, 2, 0, 1, 2};
  for (std::uint64_t i = 0; i < 6; ++i) {
    EXPECT_EQ(t.value_index(0, i), a[i]) << i;
    EXPECT_EQ(t.value_index(1, i), b[i]) << i;
    EXPECT_EQ(t.value_index(2, i), 0u) << i;
  }
  EXPECT_EQ(std::get<std::int64_t>(t.value(0, 4)), 2);
  EXPECT_EQ(std::get<std::int64_t>(t.value(1, 4)), 20);
}

TEST(SweepTable, ZipTakesTheAxesSideBySide) {
  sweep_table t;
  t.mode = sweep_table::combine::zip;
  t.axes = {{"a", integers({1, 2, 3}), {}, {}}, {"b", integers({10, 20, 30}), {}, {}}};
  ASSERT_EQ(t.size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(t.value_index(0, i), i);
    EXPECT_EQ(t.value_index(1, i), i);
  }
  EXPECT_EQ(std::get<std::int64_t>(t.value(1, 2)), 30);
}

TEST(SweepTable, NoAxesIsOneCombination) { EXPECT_EQ(sweep_table{}.size(), 1u); }

TEST(Params, LocatedFollowsTheGccConvention) {
  EXPECT_EQ(rankpool::located("job.toml", {5, 7}), "job.toml:5:7");
  EXPECT_EQ(rankpool::located("job.toml", {}), "job.toml");
}

TEST(Params, FormatAndTomlValues) {
  EXPECT_EQ(rankpool::format_value(param_value{std::int64_t{-3}}), "-3");
  EXPECT_EQ(rankpool::format_value(param_value{0.25}), "0.25");
  EXPECT_EQ(rankpool::format_value(param_value{std::string("a\"b")}), "\"a\\\"b\"");
  EXPECT_EQ(rankpool::format_value(param_value{true}), "true");
  EXPECT_EQ(rankpool::toml_value(param_value{2.0}), "2.0") << "a real stays a float in TOML";
  EXPECT_EQ(rankpool::toml_value(param_value{-0.0}), "-0.0");
}

TEST(Params, WithoutASweepThereIsOneCombinationItself) {
  const rankpool::params p({{"n", std::int64_t{3}}}, {{"n", "job.toml:2:5: params.n"}});
  EXPECT_EQ(p.combinations(), 1u);
  EXPECT_EQ(p.sweep(), nullptr);
  EXPECT_EQ(p.combination(0).integer("n"), 3);
  EXPECT_EQ(p.origin("n"), "job.toml:2:5: params.n");
  EXPECT_EQ(p.origin("m"), "params.m") << "a name without a recorded origin";
  EXPECT_THROW((void)p.integer("m"), rankpool::error) << "an undeclared parameter";
}

TEST(Params, RejectNamesTheValuesOrigin) {
  const rankpool::params p({{"dt", 0.5}}, {{"dt", "job.toml:4:6: params.dt"}});
  try {
    p.reject("dt", "must be small");
    FAIL() << "reject returned";
  } catch (const rankpool::usage_error& e) {
    EXPECT_STREQ(e.what(), "job.toml:4:6: params.dt: must be small");
  }
}

TEST(ParseJob, EveryValueKnowsWhereItCameFrom) {
  rankpool::job_overrides overrides;
  overrides.sets = {"params.dt=0.0625"};
  const auto job = parse("app = \"probe\"\n[params]\nmode = \"slow\"\n", overrides);
  ASSERT_NE(job.app, nullptr);
  EXPECT_EQ(job.app->name, "probe");
  EXPECT_EQ(job.params.values().size(), 4u);
  EXPECT_EQ(job.params.string("mode"), "slow");
  EXPECT_EQ(job.params.origin("mode"), "job.toml:3:8: params.mode");
  EXPECT_EQ(job.params.real("dt"), 0.0625);
  EXPECT_EQ(job.params.origin("dt"), "--set params.dt=0.0625");
  EXPECT_EQ(job.params.integer("n"), 4);
  EXPECT_EQ(job.params.origin("n"), "job.toml: params.n (default 4)");
  EXPECT_FALSE(job.params.boolean("verbose"));
  EXPECT_EQ(job.params.combinations(), 1u);
}

TEST(ParseJob, SweepCombinationsInOrderWithTheirValuesAndOrigins) {
  // Axes in alphabetical order (dt, then n), the last fastest.
  const auto job = parse(
      "app = \"probe\"\n"
      "[params]\n"
      "mode = \"slow\"\n"
      "[sweep]\n"
      "n = [1, 2, 3]\n"
      "dt = { start = 0.0625, stop = 0.3125, num = 3 }\n");
  const rankpool::sweep_table* sweep = job.params.sweep();
  ASSERT_NE(sweep, nullptr);
  ASSERT_EQ(sweep->axes.size(), 2u);
  EXPECT_EQ(sweep->axes[0].name, "dt");
  EXPECT_EQ(sweep->axes[1].name, "n");
  ASSERT_EQ(job.params.combinations(), 9u);
  EXPECT_EQ(job.params.origin("n"), "job.toml:5:5: sweep.n");
  const std::vector<double> dt = {0.0625, 0.1875, 0.3125};
  for (std::uint64_t i = 0; i < 9; ++i) {
    const rankpool::params one = job.params.combination(i);
    EXPECT_EQ(one.real("dt"), dt[i / 3]) << i;
    EXPECT_EQ(one.integer("n"), static_cast<std::int64_t>(1 + i % 3)) << i;
    EXPECT_EQ(one.string("mode"), "slow") << i;
  }
  const rankpool::params four = job.params.combination(4);
  // A listed value is located at its element, a range's at the range table.
  EXPECT_EQ(four.origin("n"), "job.toml:5:9: sweep.n (2)");
  EXPECT_EQ(four.origin("dt"), "job.toml:6:6: sweep.dt (0.1875)");
  EXPECT_EQ(four.origin("mode"), "job.toml:3:8: params.mode");
  try {
    four.reject("n", "too many");
    FAIL() << "reject returned";
  } catch (const rankpool::usage_error& e) {
    EXPECT_STREQ(e.what(), "job.toml:5:9: sweep.n (2): too many");
  }
  EXPECT_THROW((void)job.params.combination(9), rankpool::error);
}

TEST(ParseJob, ZipAndRangeSweeps) {
  const auto job = parse(
      "app = \"probe\"\n"
      "[sweep]\n"
      "mode = \"zip\"\n"
      "n = { start = 1, stop = 7, step = 3 }\n"
      "dt = [0.125, 0.0625, 0.03125]\n");
  ASSERT_EQ(job.params.combinations(), 3u);
  const std::vector<std::int64_t> n = {1, 4, 7};
  const std::vector<double> dt = {0.125, 0.0625, 0.03125};
  for (std::uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(job.params.combination(i).integer("n"), n[i]) << i;
    EXPECT_EQ(job.params.combination(i).real("dt"), dt[i]) << i;
  }
  const auto log = parse("app = \"probe\"\n[params]\ndt = 0.0078125\n[sweep]\nn = { start = 1, stop = 100, num = 3, scale = \"log\" }\n");
  ASSERT_EQ(log.params.combinations(), 3u);
  EXPECT_EQ(log.params.combination(0).integer("n"), 1);
  EXPECT_EQ(log.params.combination(1).integer("n"), 10);
  EXPECT_EQ(log.params.combination(2).integer("n"), 100);
}

TEST(ParseJob, IntegersAreAcceptedAsReals) {
  const auto job = parse("app = \"probe\"\n[params]\ndt = 0\n");
  EXPECT_EQ(job.params.real("dt"), 0.0);
}

TEST(ParseJob, BadValuesAreRejectedAtTheirPosition) {
  const std::string head = "app = \"probe\"\n[params]\n";
  expect_rejections({
      {head + "size = 3\n", "job.toml:3:1: params.size: unknown parameter of app 'probe'"},
      {head + "n = \"four\"\n", "job.toml:3:5: params.n: expected an integer, found a string"},
      {head + "n = 0\n", "job.toml:3:5: params.n: 0 is below the minimum 1"},
      {head + "n = 5000\n", "job.toml:3:5: params.n: 5000 is above the maximum 1000"},
      {head + "dt = -0.5\n", "job.toml:3:6: params.dt: -0.5 is below the minimum 0"},
      {head + "dt = nan\n", "job.toml:3:6: params.dt: must be a finite number"},
      {head + "mode = \"medium\"\n", "job.toml:3:8: params.mode: \"medium\" is not one of: fast, slow"},
      {head + "verbose = 1\n", "job.toml:3:11: params.verbose: expected true or false, found an integer"},
      // The app's own check names the value it rejects, also when it is the default.
      {head + "dt = 0.5\n", "job.toml: params.n (default 4): n x dt must stay at most 1"},
      {head + "n = 10\n", "job.toml:3:5: params.n: n x dt must stay at most 1"},
  });
}

TEST(ParseJob, BadSweepsAreRejectedAtTheirPosition) {
  const std::string head = "app = \"probe\"\n";
  expect_rejections({
      {head + "[sweep]\nn = [1, 0]\n", "job.toml:3:9: sweep.n: 0 is below the minimum 1"},
      {head + "[sweep]\nsize = [1]\n", "job.toml:3:1: sweep.size: unknown parameter of app 'probe'"},
      {head + "[sweep]\nmode = \"zip\"\nn = [1, 2]\ndt = [0.1, 0.2, 0.3]\n",
       "job.toml:4:5: sweep.n: has 2 values but sweep.dt has 3 (mode = \"zip\")"},
      {head + "[sweep]\nmode = \"random\"\nn = [1]\n", "job.toml:3:8: sweep.mode: \"random\" is not product or zip"},
      {head + "[params]\nn = 2\n[sweep]\nn = [1, 2]\n",
       "job.toml:5:5: sweep.n: is also set in [params]; a parameter is either fixed or swept"},
      {head + "[sweep]\nn = { start = 1, stop = 5 }\n", "job.toml:3:5: sweep.n: a range needs exactly one of num and step"},
      {head + "[sweep]\nn = 3\n", "job.toml:3:5: sweep.n: expected a list of values or a range table, found an integer"},
      {head + "[sweep]\n", "job.toml:2:2: sweep: names no parameter to sweep"},  // at the table's name
      // The app's check in one combination: located at that combination's value.
      {head + "[sweep]\nn = [1, 4, 10]\n", "job.toml:3:12: sweep.n (10): n x dt must stay at most 1"},
      {"app = \"single\"\n[sweep]\nn = [1, 2]\n",
       "job.toml: sweep: app 'single' does not run one task per combination, so it cannot be swept"},
  });
}

TEST(ParseJob, BadSetsNameTheFlag) {
  const std::string job = "app = \"probe\"\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"params.n=x", "--set params.n=x: \"x\" is not an integer"},
      {"params.n=0", "--set params.n=0: 0 is below the minimum 1"},
      {"params.size=2", "--set params.size=2: unknown parameter size of app 'probe'"},
      {"n=2", "--set n=2: expected params.KEY=VALUE"},
  };
  for (const auto& [set, message] : cases) {
    rankpool::job_overrides overrides;
    overrides.sets = {set};
    EXPECT_EQ(rejection(job, overrides), message) << set;
  }
}

}  // namespace
