#include "rankpool/sweep_app.hpp"

#include <algorithm>
#include <limits>

#include "rankpool/error.hpp"
#include "rankpool/run_file.hpp"

namespace rankpool {

task_context::task_context(const rankpool::params& job, std::uint64_t index, std::uint64_t tasks)
    : job_(job), index_(index), tasks_(tasks) {}

const param_value& task_context::value(std::string_view name) const {
  if (const sweep_table* sweep = job_.sweep()) {
    for (std::size_t a = 0; a < sweep->axes.size(); ++a)
      if (sweep->axes[a].name == name) return sweep->value(a, index_);
  }
  return job_.value(std::string(name));
}

namespace detail {

sweep_app_base::sweep_app_base(std::shared_ptr<const sweep_definition> definition, const rankpool::params& p)
    : definition_(std::move(definition)), params_(p) {
  if (const sweep_table* sweep = p.sweep()) {
    const auto& allowed = definition_->sweepable;
    for (const auto& axis : sweep->axes) {
      if (axis.name == "tasks") p.reject("tasks", "cannot be swept: it is the task count of a job without [sweep]");
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), axis.name) == allowed.end()) {
        std::string names;
        for (const auto& name : allowed) names += (names.empty() ? "" : ", ") + name;
        p.reject(axis.name, "cannot be swept; app '" + definition_->name + "' sweeps only " + names);
      }
    }
    // Compared with the default, not "was it set": a job's resolved TOML (merge, resume)
    // spells out every default.
    const auto spec = std::find_if(definition_->params.begin(), definition_->params.end(),
                                   [](const param_spec& s) { return s.name == "tasks"; });
    if (p.value("tasks") != spec->default_value)
      p.reject("tasks", "sets the task count of a job without [sweep]; this job runs one task per combination "
                        "(sweep seed for replicas)");
    tasks_ = p.combinations();
  } else {
    tasks_ = static_cast<std::uint64_t>(p.integer("tasks"));
  }
  for (std::uint64_t i = 0; i < p.combinations(); ++i) {
    const rankpool::params one = p.combination(i);
    for (const auto& check : definition_->checks) check(one);
  }
}

void sweep_app_base::create_results(run_file& file) {
  for (const sweep_result& r : definition_->results) {
    const std::string path = "/results/" + r.name;
    // A task without a result reads as NaN, or as the integer type's extreme value.
    switch (r.kind) {
      case column_kind::real:
        file.create_dataset<double>(path, {tasks_}, std::numeric_limits<double>::quiet_NaN());
        break;
      case column_kind::integer:
        file.create_dataset<std::int64_t>(path, {tasks_}, std::numeric_limits<std::int64_t>::min());
        break;
      case column_kind::unsigned_integer:
        file.create_dataset<std::uint64_t>(path, {tasks_}, std::numeric_limits<std::uint64_t>::max());
        break;
      case column_kind::boolean:
        file.create_dataset<std::uint8_t>(path, {tasks_}, std::uint8_t{255});
        break;
    }
    file.set_attribute(path, "meaning", r.meaning);
  }
}

std::vector<std::function<void(std::uint64_t, std::uint64_t)>> sweep_app_base::result_setters(job_context& ctx) const {
  std::vector<std::function<void(std::uint64_t, std::uint64_t)>> setters;
  for (const sweep_result& r : definition_->results) {
    const std::string path = "/results/" + r.name;
    switch (r.kind) {
      case column_kind::real: {
        auto* column = &ctx.results_column<double>(path);
        setters.emplace_back([column](std::uint64_t i, std::uint64_t slot) { column->set(i, std::bit_cast<double>(slot)); });
        break;
      }
      case column_kind::integer: {
        auto* column = &ctx.results_column<std::int64_t>(path);
        setters.emplace_back(
            [column](std::uint64_t i, std::uint64_t slot) { column->set(i, std::bit_cast<std::int64_t>(slot)); });
        break;
      }
      case column_kind::unsigned_integer: {
        auto* column = &ctx.results_column<std::uint64_t>(path);
        setters.emplace_back([column](std::uint64_t i, std::uint64_t slot) { column->set(i, slot); });
        break;
      }
      case column_kind::boolean: {
        auto* column = &ctx.results_column<std::uint8_t>(path);
        setters.emplace_back(
            [column](std::uint64_t i, std::uint64_t slot) { column->set(i, static_cast<std::uint8_t>(slot)); });
        break;
      }
    }
  }
  return setters;
}

bool register_sweep_app(std::shared_ptr<sweep_definition> definition,
                        std::function<std::unique_ptr<app>(std::shared_ptr<const sweep_definition>, const params&)> make) {
  auto has = [&](const char* name) {
    return std::any_of(definition->params.begin(), definition->params.end(),
                       [&](const param_spec& p) { return p.name == name; });
  };
  if (!has("seed")) definition->params.push_back(integer_param("seed", 1, "seed of the tasks' random streams", 0));
  if (!has("tasks"))
    definition->params.push_back(
        integer_param("tasks", 1, "tasks of a job without [sweep] (each with its own index and random stream)", 1, 1e9));
  for (const char* name : {"seed", "tasks"}) {
    const auto it = std::find_if(definition->params.begin(), definition->params.end(),
                                 [&](const param_spec& p) { return p.name == name; });
    if (it->default_value.index() != 0)
      throw error("app '" + definition->name + "': parameter " + name + " must be an integer");
  }
  std::shared_ptr<const sweep_definition> shared = definition;
  return register_app({definition->name, definition->summary, definition->params,
                       [shared, make](const params& p) { return make(shared, p); }});
}

}  // namespace detail

sweep_app::sweep_app(std::string name, std::string summary) : definition_(std::make_shared<detail::sweep_definition>()) {
  definition_->name = std::move(name);
  definition_->summary = std::move(summary);
}

sweep_app& sweep_app::param(std::string name, double default_value, std::string help, std::optional<double> min,
                            std::optional<double> max) {
  return param(real_param(std::move(name), default_value, std::move(help), min, max));
}

sweep_app& sweep_app::param(std::string name, const char* default_value, std::string help,
                            std::vector<std::string> choices) {
  return param(string_param(std::move(name), default_value, std::move(help), std::move(choices)));
}

sweep_app& sweep_app::param(std::string name, bool default_value, std::string help) {
  return param(bool_param(std::move(name), default_value, std::move(help)));
}

sweep_app& sweep_app::param(param_spec spec) {
  definition_->params.push_back(std::move(spec));
  return *this;
}

sweep_app& sweep_app::result(std::string name, std::string meaning) {
  definition_->results.push_back({std::move(name), std::move(meaning), detail::column_kind::real});
  return *this;
}

sweep_app& sweep_app::check(std::function<void(const params&)> check) {
  definition_->checks.push_back(std::move(check));
  return *this;
}

sweep_app& sweep_app::sweepable(std::vector<std::string> names) {
  definition_->sweepable = std::move(names);
  return *this;
}

sweep_app& sweep_app::cost(std::function<double(const task_context&)> cost) {
  definition_->cost = std::move(cost);
  return *this;
}

void sweep_app::set_result_kinds(std::vector<detail::column_kind> kinds) {
  if (kinds.size() != definition_->results.size())
    throw error("app '" + definition_->name + "': its kernel returns " + std::to_string(kinds.size()) +
                " values but " + std::to_string(definition_->results.size()) + " results are declared with result()");
  for (std::size_t i = 0; i < kinds.size(); ++i) definition_->results[i].kind = kinds[i];
}

}  // namespace rankpool
