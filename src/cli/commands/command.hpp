#pragma once
/// What the subcommands of `rankpool` share (commands/*.cpp, one file per subcommand).
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace rankpool::cli {

/// A subcommand: its CLI11 parser, and what runs when the command line chose it.
struct command {
  CLI::App* parser = nullptr;
  /// Runs after parsing; gets the original argc/argv (MPI's start-up wants them).
  std::function<int(int argc, char** argv)> run;
};

command add_run_command(CLI::App& cli);
command add_apps_command(CLI::App& cli);
command add_merge_command(CLI::App& cli);
command add_slurm_command(CLI::App& cli);
command add_report_command(CLI::App& cli);
command add_status_command(CLI::App& cli);
command add_table_command(CLI::App& cli);

/// The launcher's rank before MPI starts (0 without a launcher), so only one
/// process prints what every process would.
int launcher_rank();
/// Whether mpirun/srun started this process.
bool under_launcher();
/// Reports a bad command line once and returns exit_usage; see the definition.
int usage_failure(int argc, char** argv, const std::string& message);

/// Runs a one-process command's `body`: a usage_error is "rankpool: COMMAND: ..." and
/// exit 2, anything else the same line and exit 1.
int run_reporting_errors(const char* command, const std::function<int()>& body);

}  // namespace rankpool::cli
