#pragma once
/// Apps: a named kernel with declared parameters that the rankpool CLI can run.
///
/// An app is constructed on every rank from validated parameters, defines its tasks
/// on the pool (every rank, same order), and on rank 0 drives the run through a
/// job_context that stores results, statuses and the timeline in the run file.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rankpool/params.hpp"

namespace rankpool {

class pool;
class run_file;
class job_context;

/// Tasks [first, end).
struct task_span {
  std::uint64_t first = 0;
  std::uint64_t end = 0;
};

class app {
 public:
  virtual ~app() = default;
  /// Every rank: register the app's tasks.
  virtual void define_tasks(pool& p) = 0;
  /// How many tasks the job has (one per index in 0..task_count()-1).
  virtual std::uint64_t task_count() const = 0;
  /// Rank 0, before any task runs: create the /results datasets.
  virtual void create_results(run_file& file) = 0;
  /// Rank 0: run the tasks (ctx.run_tasks / ctx.reduce_tasks), storing results as they arrive.
  virtual void run(job_context& ctx) = 0;
  /// A task's cost relative to the others (nbody: bodies² × steps), or nothing when the
  /// app cannot tell: with costs, a run hands out the most expensive tasks first
  /// (longest processing time first), so the biggest ones do not run alone at the end.
  /// Results stay in task order either way.
  virtual std::optional<double> task_cost(std::uint64_t /*task*/) const { return std::nullopt; }
  /// Rank 0, once every task of the job has succeeded (also after `rankpool merge`):
  /// derived outputs (an image, summary attributes) from what `file` holds.
  virtual void finish(run_file&) {}
  /// `rankpool merge`: copy the results of `tasks` (half-open [first, end) spans, all
  /// done in `part`) into `merged`; both files were laid out by create_results. The
  /// default copies those rows of every /results dataset whose first dimension is
  /// task_count(), and refuses other datasets: apps that store results another way
  /// (several rows per task, one folded value) override it.
  virtual void merge_results(run_file& merged, run_file& part, const std::vector<task_span>& tasks);
};

struct app_info {
  std::string name;
  std::string summary;
  std::vector<param_spec> params;
  /// Builds the app; throw via params::reject for parameter combinations that cannot work.
  std::function<std::unique_ptr<app>(const rankpool::params&)> make;
};

/// Adds an app to the process-wide registry (see RANKPOOL_REGISTER_APP).
bool register_app(app_info info);
const std::vector<app_info>& registered_apps();
/// The app called `name`, or nullptr.
const app_info* find_app(const std::string& name);
/// Why `name` names no app here, for a message: the apps this program has and the
/// closest name, or that it has none registered at all.
std::string unknown_app_reason(const std::string& name);
/// The candidate nearest to `word` by edit distance, if it is near enough to be a typo; else "".
std::string closest_word(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rankpool

/// Registers an app at start-up: RANKPOOL_REGISTER_APP(my_app_info()) in one .cpp file.
#define RANKPOOL_REGISTER_APP(info_expression) \
  static const bool RANKPOOL_CONCAT_(rankpool_app_registered_, __LINE__) = ::rankpool::register_app(info_expression)
#define RANKPOOL_CONCAT_(a, b) RANKPOOL_CONCAT_IMPL_(a, b)
#define RANKPOOL_CONCAT_IMPL_(a, b) a##b
