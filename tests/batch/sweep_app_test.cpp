// rankpool/sweep_app.hpp: declarative apps defined here, run through parse_job + run_job
// on every rank. Scalar, std::pair, std::tuple, std::array and struct results of every
// kind (real, signed, unsigned, bool) become /results columns of their type with their
// `meaning` and their "not run" fill value; every app gets the `seed` and `tasks`
// parameters unless it declares them; checks and sweepable() refuse a job before anything
// runs; a kernel whose values and the declared results differ in number is refused when
// it registers.
#include "rankpool/sweep_app.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "rankpool/error.hpp"
#include "rankpool/exit_code.hpp"
#include "rankpool/job.hpp"
#include "rankpool/run.hpp"
#include "rankpool/run_file.hpp"
#include "support/mpi_test_env.hpp"
#include "support/scratch_dir.hpp"

namespace {

// --- the apps ----------------------------------------------------------------------------

struct every_kind {
  double x;
  std::int32_t i;
  std::uint16_t u;
  bool b;
};

every_kind of_every_kind(const rankpool::task_context& t) {
  rankpool::random_stream random = t.random();
  const auto index = static_cast<std::int64_t>(t.index());
  return {random.uniform() + t.real("offset"), static_cast<std::int32_t>(t.integer("scale") * index),
          static_cast<std::uint16_t>(1000 + index), t.string("label") == "b" || t.boolean("flag")};
}

const bool kinds_registered =
    rankpool::sweep_app("test_kinds", "a struct of every result kind")
        .param("scale", 3, "an integer", -100, 100)
        .param("offset", 0.25, "a real", -10.0, 10.0)
        .param("label", "a", "a string", {"a", "b", "c"})
        .param("flag", false, "a bool")
        .sweepable({"scale", "offset", "label", "flag"})
        .check([](const rankpool::params& p) {
          if (p.integer("scale") == 0 && p.real("offset") == 0) p.reject("scale", "must not be 0 while offset is 0");
        })
        .result("x", "a uniform draw plus offset")
        .result("i", "scale times the task index")
        .result("u", "1000 plus the task index")
        .result("b", "whether label is b or flag is set")
        .kernel(of_every_kind);

std::tuple<double, std::int64_t, bool> as_tuple(const rankpool::task_context& t) {
  if (t.boolean("fail") && t.index() % 3 == 1) throw std::runtime_error("task " + std::to_string(t.index()) + " fails");
  return {static_cast<double>(t.index()) / 2, -static_cast<std::int64_t>(t.index()), t.is_swept()};
}

const bool tuple_registered = rankpool::sweep_app("test_tuple", "a tuple of a real, a signed integer and a bool")
                                  .param("fail", false, "tasks 1, 4, 7, ... throw")
                                  .param("unused", 0, "a parameter to sweep")
                                  .result("half", "the task index / 2")
                                  .result("minus", "minus the task index")
                                  .result("swept", "whether the job has a sweep")
                                  .kernel(as_tuple);

/// Declares its own `tasks` (default 5): the automatic one is not added.
const bool array_registered =
    rankpool::sweep_app("test_array", "a std::array of unsigned integers")
        .param("tasks", 5, "how many tasks", 1, 1000)
        .result("index", "the task index")
        .result("tasks", "how many tasks the job has")
        .result("seed", "the seed parameter")
        .kernel([](const rankpool::task_context& t) {
          return std::array<std::uint32_t, 3>{static_cast<std::uint32_t>(t.index()), static_cast<std::uint32_t>(t.tasks()),
                                              static_cast<std::uint32_t>(t.integer("seed"))};
        });

const bool scalar_registered = rankpool::sweep_app("test_scalar", "one real: a normal draw of stream 1")
                                   .result("z", "a standard normal draw")
                                   .kernel([](const rankpool::task_context& t) { return t.random(1).normal(); });

const bool pair_registered =
    rankpool::sweep_app("test_pair", "a pair of a float and an unsigned")
        .param("x", 0.1, "a real, returned as float")
        .result("x", "x rounded to float")
        .result("twice", "twice the task index")
        .kernel([](const rankpool::task_context& t) {
          return std::pair<float, unsigned>{static_cast<float>(t.real("x")), 2 * static_cast<unsigned>(t.index())};
        });

// --- helpers -----------------------------------------------------------------------------

/// What HDF5 says a dataset's elements are (the file must not be open as a run_file:
/// HDF5 refuses a second open with other access properties).
struct element_type {
  H5T_class_t type_class;
  std::size_t size;
  bool is_signed;
};

element_type element_type_of(const std::string& file, const std::string& dataset) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  const hid_t t = H5Dget_type(d);
  const element_type e{H5Tget_class(t), H5Tget_size(t), H5Tget_sign(t) == H5T_SGN_2};
  H5Tclose(t);
  H5Dclose(d);
  H5Fclose(f);
  if (f < 0 || d < 0) throw std::runtime_error(file + ": cannot open " + dataset);
  return e;
}

std::vector<std::uint8_t> statuses(rankpool::run_file& file) { return file.read_all<std::uint8_t>("/tasks/status"); }

/// One scratch directory for all ranks: rank 0's (only rank 0 writes the run file).
class SweepApp : public ::testing::Test {
 protected:
  void SetUp() override {
    std::array<char, 256> text{};
    std::strncpy(text.data(), dir_.path().c_str(), text.size() - 1);
    MPI_Bcast(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, test_env().comm());
    shared_ = text.data();
  }

  std::string path(const std::string& name) const { return shared_ + "/" + name; }

  /// Parses `job_text` as job.toml and runs it on every rank into path(`out`); the
  /// summary is complete on rank 0.
  rankpool::run_summary run(const std::string& job_text, const std::string& out, rankpool::run_options options = {}) {
    rankpool::job_spec job = rankpool::parse_job("job.toml", job_text);
    job.output = path(out);
    options.progress = "none";
    options.threads = 2;
    return rankpool::run_job(test_env(), job, options);
  }

  bool is_root() const { return test_env().is_root(); }

  rankpool_test::scratch_dir dir_;
  std::string shared_;
};

/// The usage_error parse_job gives for `text`, or "" when it accepts it.
std::string rejection(const std::string& text) {
  try {
    rankpool::parse_job("job.toml", text);
  } catch (const rankpool::usage_error& e) {
    return e.what();
  }
  return "";
}

const rankpool::param_spec* find_param(const rankpool::app_info& app, const std::string& name) {
  for (const auto& p : app.params)
    if (p.name == name) return &p;
  return nullptr;
}

// --- the tests ---------------------------------------------------------------------------

TEST_F(SweepApp, EveryAppGetsSeedAndTasksUnlessItDeclaresThem) {
  ASSERT_TRUE(kinds_registered && tuple_registered && array_registered && scalar_registered && pair_registered);
  const rankpool::app_info* kinds = rankpool::find_app("test_kinds");
  ASSERT_NE(kinds, nullptr);
  EXPECT_EQ(kinds->summary, "a struct of every result kind");
  std::vector<std::string> names;
  for (const auto& p : kinds->params) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"scale", "offset", "label", "flag", "seed", "tasks"}));
  const rankpool::param_spec* seed = find_param(*kinds, "seed");
  const rankpool::param_spec* tasks = find_param(*kinds, "tasks");
  ASSERT_TRUE(seed && tasks);
  EXPECT_EQ(std::get<std::int64_t>(seed->default_value), 1);
  EXPECT_EQ(std::get<std::int64_t>(tasks->default_value), 1);
  EXPECT_EQ(tasks->min.value_or(-1), 1.0);
  // An app's own tasks parameter stays the only one, with its own default.
  const rankpool::app_info* array = rankpool::find_app("test_array");
  ASSERT_NE(array, nullptr);
  int tasks_params = 0;
  for (const auto& p : array->params) tasks_params += p.name == "tasks";
  EXPECT_EQ(tasks_params, 1);
  EXPECT_EQ(std::get<std::int64_t>(find_param(*array, "tasks")->default_value), 5);
  EXPECT_NE(find_param(*array, "seed"), nullptr);
}

TEST_F(SweepApp, AResultCountMismatchOrARealSeedThrowsAtRegistration) {
  auto registration_error = [](auto&& define) -> std::string {
    try {
      define();
    } catch (const rankpool::error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(registration_error([] {
              rankpool::sweep_app("test_too_few", "two declared, one returned")
                  .result("a", "first")
                  .result("b", "second")
                  .kernel([](const rankpool::task_context&) { return 1.0; });
            }),
            "app 'test_too_few': its kernel returns 1 values but 2 results are declared with result()");
  EXPECT_EQ(registration_error([] {
              rankpool::sweep_app("test_too_many", "none declared, a struct of four returned")
                  .kernel([](const rankpool::task_context&) { return every_kind{}; });
            }),
            "app 'test_too_many': its kernel returns 4 values but 0 results are declared with result()");
  EXPECT_EQ(registration_error([] {
              rankpool::sweep_app("test_real_seed", "a seed that is not an integer")
                  .param("seed", 0.5, "a real seed")
                  .result("a", "first")
                  .kernel([](const rankpool::task_context&) { return 1.0; });
            }),
            "app 'test_real_seed': parameter seed must be an integer");
  for (const char* refused : {"test_too_few", "test_too_many", "test_real_seed"})
    EXPECT_EQ(rankpool::find_app(refused), nullptr) << refused << " was registered anyway";
}

TEST_F(SweepApp, StructResultsBecomeColumnsOfTheirKindWithTheirMeaning) {
  const auto summary = run("app = \"test_kinds\"\n[params]\noffset = 0.5\nseed = 4\n"
                           "[sweep]\nscale = [-2, 7]\nlabel = [\"a\", \"b\"]\nflag = [true, false]\n",
                           "kinds.h5");
  if (!is_root()) return;
  EXPECT_EQ(summary.tasks, 8u);
  EXPECT_EQ(summary.failed, 0u);
  const std::string out = path("kinds.h5");
  // double, int32 and uint16 fields are stored as float64, int64 and uint64; bool as uint8.
  const element_type x = element_type_of(out, "/results/x");
  const element_type i = element_type_of(out, "/results/i");
  const element_type u = element_type_of(out, "/results/u");
  const element_type b = element_type_of(out, "/results/b");
  EXPECT_EQ(x.type_class, H5T_FLOAT);
  EXPECT_EQ(x.size, 8u);
  EXPECT_EQ(i.type_class, H5T_INTEGER);
  EXPECT_EQ(i.size, 8u);
  EXPECT_TRUE(i.is_signed);
  EXPECT_EQ(u.type_class, H5T_INTEGER);
  EXPECT_EQ(u.size, 8u);
  EXPECT_FALSE(u.is_signed);
  EXPECT_EQ(b.type_class, H5T_INTEGER);
  EXPECT_EQ(b.size, 1u);
  EXPECT_FALSE(b.is_signed);
  auto file = rankpool::run_file::open(out, false);
  EXPECT_EQ(file.datasets_in("/results"), (std::vector<std::string>{"b", "i", "u", "x"}));
  for (const char* column : {"x", "i", "u", "b"})
    EXPECT_EQ(file.dims(std::string("/results/") + column), (std::vector<std::uint64_t>{8})) << column;
  EXPECT_EQ(file.string_attribute("/results/x", "meaning"), "a uniform draw plus offset");
  EXPECT_EQ(file.string_attribute("/results/i", "meaning"), "scale times the task index");
  EXPECT_EQ(file.string_attribute("/results/u", "meaning"), "1000 plus the task index");
  EXPECT_EQ(file.string_attribute("/results/b", "meaning"), "whether label is b or flag is set");

  // Axes in alphabetical order, the last fastest: task t is (flag, label, scale) =
  // ([true, false][t / 4], [a, b][t / 2 % 2], [-2, 7][t % 2]).
  EXPECT_EQ(file.strings_attribute("/sweep", "parameters"), (std::vector<std::string>{"flag", "label", "scale"}));
  const auto flag = file.read_all<std::uint8_t>("/sweep/flag");
  const auto label = file.read_strings("/sweep/label");
  const auto scale = file.read_all<std::int64_t>("/sweep/scale");
  const auto xs = file.read_all<double>("/results/x");
  const auto is = file.read_all<std::int64_t>("/results/i");
  const auto us = file.read_all<std::uint64_t>("/results/u");
  const auto bs = file.read_all<std::uint8_t>("/results/b");
  for (const auto size : {flag.size(), label.size(), scale.size(), xs.size(), is.size(), us.size(), bs.size()})
    ASSERT_EQ(size, 8u);
  for (std::uint64_t t = 0; t < 8; ++t) {
    const bool t_flag = t < 4;
    const std::string t_label = (t / 2) % 2 ? "b" : "a";
    const std::int64_t t_scale = t % 2 ? 7 : -2;
    EXPECT_EQ(flag[t], t_flag ? 1 : 0) << t;
    EXPECT_EQ(label[t], t_label) << t;
    EXPECT_EQ(scale[t], t_scale) << t;
    // The automatic seed parameter keys the task's stream: (seed 4, task t, stream 0).
    EXPECT_EQ(xs[t], rankpool::random_stream(4, t, 0).uniform() + 0.5) << t;
    EXPECT_EQ(is[t], t_scale * static_cast<std::int64_t>(t)) << t;
    EXPECT_EQ(us[t], 1000 + t) << t;
    EXPECT_EQ(bs[t], t_label == "b" || t_flag ? 1 : 0) << t;
  }
}

TEST_F(SweepApp, TasksWithoutAResultReadAsTheFillValueOfTheirKind) {
  // Shard 1 of 2 runs tasks 4..7; tasks 0..3 stay pending.
  rankpool::run_options shard;
  shard.shard = rankpool::shard_spec{1, 2};
  run("app = \"test_kinds\"\n[sweep]\nscale = [-2, 7]\nlabel = [\"a\", \"b\"]\nflag = [true, false]\n", "part.h5",
      shard);
  // Tasks 1 and 4 throw; on_error = continue runs the others.
  const auto summary = run("app = \"test_tuple\"\n[params]\nfail = true\ntasks = 6\n[schedule]\non_error = \"continue\"\n",
                           "failed.h5");
  if (!is_root()) return;
  {
    auto file = rankpool::run_file::open(path("part.h5"), false);
    EXPECT_EQ(statuses(file), (std::vector<std::uint8_t>{0, 0, 0, 0, 1, 1, 1, 1}));
    const auto xs = file.read_all<double>("/results/x");
    const auto is = file.read_all<std::int64_t>("/results/i");
    const auto us = file.read_all<std::uint64_t>("/results/u");
    const auto bs = file.read_all<std::uint8_t>("/results/b");
    ASSERT_EQ(xs.size(), 8u);
    ASSERT_EQ(is.size(), 8u);
    ASSERT_EQ(us.size(), 8u);
    ASSERT_EQ(bs.size(), 8u);
    for (std::size_t t = 0; t < 8; ++t) {
      if (t < 4) {
        EXPECT_TRUE(std::isnan(xs[t])) << t;
        EXPECT_EQ(is[t], std::numeric_limits<std::int64_t>::min()) << t;
        EXPECT_EQ(us[t], std::numeric_limits<std::uint64_t>::max()) << t;
        EXPECT_EQ(bs[t], 255) << t;
      } else {
        EXPECT_FALSE(std::isnan(xs[t])) << t;
        EXPECT_EQ(us[t], 1000 + t) << t;
        EXPECT_LE(bs[t], 1) << t;
      }
    }
  }
  EXPECT_EQ(summary.failed, 2u);
  EXPECT_EQ(summary.exit_status(), rankpool::exit_tasks_failed);
  auto file = rankpool::run_file::open(path("failed.h5"), false);
  EXPECT_EQ(statuses(file), (std::vector<std::uint8_t>{1, 2, 1, 1, 2, 1}));
  const auto half = file.read_all<double>("/results/half");
  const auto minus = file.read_all<std::int64_t>("/results/minus");
  const auto swept = file.read_all<std::uint8_t>("/results/swept");
  ASSERT_EQ(half.size(), 6u);
  ASSERT_EQ(minus.size(), 6u);
  ASSERT_EQ(swept.size(), 6u);
  for (std::size_t t = 0; t < 6; ++t) {
    if (t % 3 == 1) {
      EXPECT_TRUE(std::isnan(half[t])) << t;
      EXPECT_EQ(minus[t], std::numeric_limits<std::int64_t>::min()) << t;
      EXPECT_EQ(swept[t], 255) << t;
    } else {
      EXPECT_EQ(half[t], static_cast<double>(t) / 2) << t;
      EXPECT_EQ(minus[t], -static_cast<std::int64_t>(t)) << t;
      EXPECT_EQ(swept[t], 0) << t;
    }
  }
  EXPECT_EQ(file.read_all<std::uint64_t>("/tasks/failed_index"), (std::vector<std::uint64_t>{1, 4}));
  const auto messages = file.read_strings("/tasks/failed_message");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[0].find("task 1 fails"), std::string::npos) << messages[0];
}

TEST_F(SweepApp, WithoutASweepTheTasksParameterSetsTheTaskCount) {
  const auto tuple = run("app = \"test_tuple\"\n[params]\ntasks = 5\n", "tuple.h5");
  const auto array = run("app = \"test_array\"\n[params]\nseed = 9\n", "array.h5");  // its own default: 5 tasks
  const auto one = run("app = \"test_scalar\"\n", "one.h5");  // the automatic default: 1 task, seed 1
  if (!is_root()) return;
  EXPECT_EQ(tuple.tasks, 5u);
  EXPECT_EQ(array.tasks, 5u);
  EXPECT_EQ(one.tasks, 1u);
  auto t = rankpool::run_file::open(path("tuple.h5"), false);
  EXPECT_EQ(t.read_all<double>("/results/half"), (std::vector<double>{0, 0.5, 1, 1.5, 2}));
  EXPECT_EQ(t.read_all<std::int64_t>("/results/minus"), (std::vector<std::int64_t>{0, -1, -2, -3, -4}));
  EXPECT_EQ(t.read_all<std::uint8_t>("/results/swept"), (std::vector<std::uint8_t>(5, 0)));
  EXPECT_FALSE(t.exists("/sweep"));
  auto a = rankpool::run_file::open(path("array.h5"), false);
  EXPECT_EQ(a.kind_of("/results/index"), rankpool::run_file::element_kind::unsigned_integer);
  EXPECT_EQ(a.read_all<std::uint64_t>("/results/index"), (std::vector<std::uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(a.read_all<std::uint64_t>("/results/tasks"), (std::vector<std::uint64_t>(5, 5)));
  EXPECT_EQ(a.read_all<std::uint64_t>("/results/seed"), (std::vector<std::uint64_t>(5, 9)));
  auto o = rankpool::run_file::open(path("one.h5"), false);
  EXPECT_EQ(o.read_all<double>("/results/z"), (std::vector<double>{rankpool::random_stream(1, 0, 1).normal()}));
}

TEST_F(SweepApp, ScalarAndPairResultsAndASweptSeed) {
  // Every parameter but tasks may be swept by default, seed included.
  run("app = \"test_scalar\"\n[sweep]\nseed = [3, 1, 2]\n", "seeds.h5");
  run("app = \"test_pair\"\n[sweep]\nx = [0.1, 1e-3, -2.5]\n", "pair.h5");
  if (!is_root()) return;
  auto s = rankpool::run_file::open(path("seeds.h5"), false);
  EXPECT_EQ(s.read_all<std::int64_t>("/sweep/seed"), (std::vector<std::int64_t>{3, 1, 2}));
  // Task t's stream is (its seed, t, stream 1).
  EXPECT_EQ(s.read_all<double>("/results/z"),
            (std::vector<double>{rankpool::random_stream(3, 0, 1).normal(), rankpool::random_stream(1, 1, 1).normal(),
                                 rankpool::random_stream(2, 2, 1).normal()}));
  auto p = rankpool::run_file::open(path("pair.h5"), false);
  // A result named like a swept parameter: /results/x beside /sweep/x.
  EXPECT_EQ(p.read_all<double>("/sweep/x"), (std::vector<double>{0.1, 1e-3, -2.5}));
  EXPECT_EQ(p.kind_of("/results/x"), rankpool::run_file::element_kind::real);
  EXPECT_EQ(p.read_all<double>("/results/x"),
            (std::vector<double>{static_cast<float>(0.1), static_cast<float>(1e-3), static_cast<float>(-2.5)}));
  EXPECT_EQ(p.kind_of("/results/twice"), rankpool::run_file::element_kind::unsigned_integer);
  EXPECT_EQ(p.read_all<std::uint64_t>("/results/twice"), (std::vector<std::uint64_t>{0, 2, 4}));
}

TEST_F(SweepApp, ChecksBoundsAndSweepableRefuseAJobBeforeAnythingRuns) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      // The check runs for the job's parameters ...
      {"app = \"test_kinds\"\n[params]\nscale = 0\noffset = 0.0\n",
       "job.toml:3:9: params.scale: must not be 0 while offset is 0"},
      // ... and for each combination of a sweep, pointing at the swept value and naming it.
      {"app = \"test_kinds\"\n[params]\noffset = 0.0\n[sweep]\nscale = [1, 0]\n",
       "job.toml:5:13: sweep.scale (0): must not be 0 while offset is 0"},
      {"app = \"test_kinds\"\n[params]\nscale = 101\n", "job.toml:3:9: params.scale: 101 is above the maximum 100"},
      {"app = \"test_kinds\"\n[params]\nlabel = \"d\"\n", "job.toml:3:9: params.label: \"d\" is not one of: a, b, c"},
      {"app = \"test_kinds\"\n[sweep]\nseed = [1, 2]\n",
       "job.toml:3:8: sweep.seed: cannot be swept; app 'test_kinds' sweeps only scale, offset, label, flag"},
      {"app = \"test_tuple\"\n[sweep]\ntasks = [1, 2]\n",
       "job.toml:3:9: sweep.tasks: cannot be swept: it is the task count of a job without [sweep]"},
      {"app = \"test_tuple\"\n[params]\ntasks = 4\n[sweep]\nunused = [1, 2]\n",
       "job.toml:3:9: params.tasks: sets the task count of a job without [sweep]; this job runs one task per "
       "combination (sweep seed for replicas)"},
      {"app = \"test_tuple\"\n[params]\ntasks = 0\n", "job.toml:3:9: params.tasks: 0 is below the minimum 1"},
      {"app = \"test_array\"\n[params]\ntasks = 1001\n", "job.toml:3:9: params.tasks: 1001 is above the maximum 1000"},
  };
  for (const auto& [text, message] : cases) EXPECT_EQ(rejection(text), message) << text;
  EXPECT_EQ(rejection("app = \"test_kinds\"\n[params]\nscale = 0\noffset = 0.5\n"), "") << "offset is not 0";
}

}  // namespace
