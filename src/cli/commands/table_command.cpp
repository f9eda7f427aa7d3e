// `rankpool table RUN.h5`: one row per task, as text, CSV or JSON.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "command.hpp"
#include "rankpool/error.hpp"
#include "rankpool/exit_code.hpp"
#include "rankpool/run_table.hpp"

namespace rankpool::cli {
namespace {

struct table_args {
  std::string file;
  bool csv = false;
  bool json = false;
  bool failed = false;
  bool pending = false;
};

int print_table(const table_args& args) {
  if (launcher_rank() != 0) return exit_ok;
  return run_reporting_errors("table", [&] {
    if (!std::filesystem::exists(args.file)) throw usage_error(args.file + ": no such file");
    std::optional<run_file> file;
    try {
      file.emplace(run_file::open(args.file, false));
    } catch (const error& e) {
      throw usage_error(args.file + ": not a readable rankpool run file (" + e.what() + ")");
    }
    const auto rows = args.failed ? run_table::rows::failed : args.pending ? run_table::rows::pending : run_table::rows::all;
    const run_table table = run_table::read(*file, rows);
    std::cout << (args.csv ? table.to_csv() : args.json ? table.to_json() : table.to_text());
    return static_cast<int>(exit_ok);
  });
}

}  // namespace

command add_table_command(CLI::App& cli) {
  auto args = std::make_shared<table_args>();
  auto* table = cli.add_subcommand("table", "Print a run file as one row per task: swept parameters, results, "
                                            "status, attempts, the rank that ran it and its time");
  table->add_option("file", args->file, "Run file (HDF5) written by rankpool run or merge")->required();
  auto* csv = table->add_flag("--csv", args->csv, "Comma-separated values (a header line, then one line per task)");
  auto* json = table->add_flag("--json", args->json, "A JSON array of one object per task (missing values null)");
  csv->excludes(json);
  auto* failed = table->add_flag("--failed", args->failed, "Only the failed tasks, with their error message");
  auto* pending = table->add_flag("--pending", args->pending, "Only the tasks without a result (what --resume runs)");
  failed->excludes(pending);
  return {table, [args](int, char**) { return print_table(*args); }};
}

}  // namespace rankpool::cli
