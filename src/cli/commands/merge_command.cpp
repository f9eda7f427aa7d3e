// `rankpool merge OUT PARTS...`: the run files of a job's shards into one.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "rankpool/error.hpp"
#include "rankpool/exit_code.hpp"
#include "rankpool/merge.hpp"

namespace rankpool::cli {
namespace {

struct merge_args {
  std::string output;
  std::vector<std::string> parts;
  bool force = false;
  bool json = false;
};

/// One process (rank 0 alone under a launcher), no MPI.
int merge_parts(const merge_args& args) {
  if (launcher_rank() != 0) return exit_ok;
  return run_reporting_errors("merge", [&] {
    const merge_summary s = merge_runs(args.output, args.parts, args.force);
    if (args.json) {
      std::cout << s.to_json() << std::endl;
    } else {
      std::printf("%s: merged %llu parts: %llu tasks, %llu done, %llu failed, %llu pending -> %s\n", s.app.c_str(),
                  static_cast<unsigned long long>(s.parts), static_cast<unsigned long long>(s.tasks),
                  static_cast<unsigned long long>(s.done), static_cast<unsigned long long>(s.failed),
                  static_cast<unsigned long long>(s.pending), s.output.c_str());
    }
    if (s.pending > 0)
      std::fprintf(stderr, "rankpool: merge: %llu tasks have no result in any part; `rankpool run JOB.toml --out %s "
                           "--resume` runs them\n", static_cast<unsigned long long>(s.pending), s.output.c_str());
    return s.exit_status();
  });
}

}  // namespace

command add_merge_command(CLI::App& cli) {
  auto args = std::make_shared<merge_args>();
  auto* merge = cli.add_subcommand("merge", "Merge the run files of one job's parts (rankpool run --shard) into one "
                                            "file laid out like a single run; exit 3 if tasks failed or are missing");
  merge->add_option("output", args->output, "The merged run file (HDF5) to write")->required();
  merge->add_option("parts", args->parts, "The parts' run files")->required();
  merge->add_flag("--force", args->force, "Replace an existing output file");
  merge->add_flag("--json", args->json, "Print one JSON summary object on stdout");
  return {merge, [args](int, char**) { return merge_parts(*args); }};
}

}  // namespace rankpool::cli
