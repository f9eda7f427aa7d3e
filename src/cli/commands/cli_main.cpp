// rankpool::cli_main: the `rankpool` command line; each subcommand lives in its own file.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <algorithm>

#include "command.hpp"
#include "rankpool/app.hpp"
#include "rankpool/cli.hpp"
#include "rankpool/environment.hpp"
#include "rankpool/error.hpp"
#include "rankpool/exit_code.hpp"
#include "rankpool/version.hpp"

namespace rankpool {
namespace cli {
namespace {
constexpr const char* launcher_rank_variables[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
}  // namespace

int launcher_rank() {
  for (const char* name : launcher_rank_variables)
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 0;
}

bool under_launcher() {
  for (const char* name : launcher_rank_variables)
    if (std::getenv(name)) return true;
  return false;
}

/// Under mpirun every rank waits for rank 0 to have printed: a rank that exits
/// non-zero first makes mpirun kill the others, and rank 0's message would be lost.
int usage_failure(int argc, char** argv, const std::string& message) {
  if (!under_launcher()) {
    std::fprintf(stderr, "rankpool: %s (see rankpool --help)\n", message.c_str());
    return exit_usage;
  }
  environment env(argc, argv);
  if (env.is_root()) {
    std::fprintf(stderr, "rankpool: %s (see rankpool --help)\n", message.c_str());
    std::fflush(stderr);
  }
  MPI_Barrier(env.comm());
  return exit_usage;
}

int run_reporting_errors(const char* command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const usage_error& e) {
    std::fprintf(stderr, "rankpool: %s: %s\n", command, e.what());
    return exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rankpool: %s: %s\n", command, e.what());
    return exit_failure;
  }
}

}  // namespace cli

int cli_main(int argc, char** argv) {
  CLI::App parser{"rankpool: run batches of independent tasks on every core of every MPI rank"};
  parser.set_version_flag("--version", std::string("rankpool ") + version);
  parser.require_subcommand(1);
  parser.get_formatter()->column_width(34);
  const std::vector<cli::command> commands = {cli::add_run_command(parser), cli::add_apps_command(parser),
                                              cli::add_status_command(parser), cli::add_table_command(parser),
                                              cli::add_report_command(parser), cli::add_merge_command(parser),
                                              cli::add_slurm_command(parser)};
  // CLI11 would take an unknown word for a stray argument ("A subcommand is required").
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto& c : commands) names.push_back(c.parser->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::string listed;
      for (const auto& name : names) listed += (listed.empty() ? "" : ", ") + name;
      std::string message = std::string("unknown subcommand '") + argv[1] + "' (subcommands: " + listed + ")";
      if (const std::string near = closest_word(argv[1], names); !near.empty()) message += "; did you mean " + near + "?";
      return cli::usage_failure(argc, argv, message);
    }
  }
  try {
    parser.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return cli::launcher_rank() == 0 ? parser.exit(e) : 0;  // --help, --version
    return cli::usage_failure(argc, argv, e.what());
  }
  for (const auto& c : commands)
    if (c.parser->parsed()) return c.run(argc, argv);
  return cli::usage_failure(argc, argv, "A subcommand is required");
}

}  // namespace rankpool
