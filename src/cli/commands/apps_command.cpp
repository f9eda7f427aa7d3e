// `rankpool apps`: the apps this binary was linked with, their parameters and defaults.
#include <iostream>

#include "command.hpp"
#include "rankpool/app.hpp"
#include "rankpool/exit_code.hpp"

namespace rankpool::cli {
namespace {

int print_apps() {
  if (launcher_rank() != 0) return exit_ok;
  if (registered_apps().empty()) {
    std::cerr << "rankpool: apps: " << unknown_app_reason("") << "\n";
    return exit_failure;
  }
  for (const auto& a : registered_apps()) {
    std::cout << a.name << ": " << a.summary << "\n";
    for (const auto& p : a.params) {
      std::cout << "    " << p.name << " (" << p.type_name() << ", default " << format_value(p.default_value);
      if (p.min) std::cout << ", min " << format_value(*p.min);
      if (p.max) std::cout << ", max " << format_value(*p.max);
      if (!p.choices.empty()) {
        std::cout << ", one of";
        for (const auto& c : p.choices) std::cout << " " << c;
      }
      std::cout << "): " << p.help << "\n";
    }
  }
  return exit_ok;
}

}  // namespace

command add_apps_command(CLI::App& cli) {
  auto* apps = cli.add_subcommand("apps", "List the apps with their parameters and defaults");
  return {apps, [](int, char**) { return print_apps(); }};
}

}  // namespace rankpool::cli
