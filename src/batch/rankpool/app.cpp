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

const app_info* find_app(const std::string& name) {
  for (const auto& a : registry())
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace rankpool
