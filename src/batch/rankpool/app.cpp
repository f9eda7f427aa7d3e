#include "rankpool/app.hpp"

#include <algorithm>

#include "rankpool/error.hpp"
#include "rankpool/run_file.hpp"

namespace rankpool {
namespace {
std::vector<app_info>& registry() {
  static std::vector<app_info> apps;
  return apps;
}
}  // namespace

void app::merge_results(run_file& merged, run_file& part, const std::vector<task_span>& tasks) {
  for (const std::string& name : merged.datasets_in("/results")) {
    const std::string path = "/results/" + name;
    const auto dims = merged.dims(path);
    if (dims.empty() || dims[0] != task_count())
      throw usage_error(part.path() + ": " + path + " does not hold one row per task (" +
                        std::to_string(task_count()) + " tasks), so its app cannot merge it (app::merge_results)");
    for (const task_span& span : tasks) merged.copy_rows(part, path, span.first, span.end - span.first);
  }
}

bool register_app(app_info info) {
  if (find_app(info.name)) throw error("app '" + info.name + "' registered twice");
  auto& apps = registry();
  apps.push_back(std::move(info));
  std::sort(apps.begin(), apps.end(), [](const app_info& a, const app_info& b) { return a.name < b.name; });
  return true;
}

const std::vector<app_info>& registered_apps() { return registry(); }

std::string closest_word(const std::string& word, const std::vector<std::string>& candidates) {
  // Levenshtein distance, one row at a time.
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;  // nearer than this is a typo
  for (const auto& candidate : candidates) {
    const std::size_t d = distance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string unknown_app_reason(const std::string& name) {
  const auto& apps = registered_apps();
  if (apps.empty())
    return "this program has no apps registered (an app is registered by rankpool::sweep_app(...).kernel(...) "
           "or RANKPOOL_REGISTER_APP in a source file linked into the program)";
  std::vector<std::string> names;
  std::string listed;
  for (const auto& a : apps) {
    names.push_back(a.name);
    listed += (listed.empty() ? "" : ", ") + a.name;
  }
  std::string reason = "this program's apps are " + listed;
  if (const std::string near = closest_word(name, names); !near.empty()) reason += "; did you mean " + near + "?";
  return reason;
}

const app_info* find_app(const std::string& name) {
  for (const auto& a : registry())
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace rankpool
