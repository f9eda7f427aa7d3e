#include "rankpool/app.hpp"

#include <algorithm>

#include "rankpool/error.hpp"

namespace rankpool {
namespace {
std::vector<app_info>& registry() {
  static std::vector<app_info> apps;
  return apps;
}
}  // namespace

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
