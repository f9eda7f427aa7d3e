// `rankpool report FILES... --out DIR`: the HTML report, by tools/report/rankpool_report.py.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "rankpool/exit_code.hpp"

namespace rankpool::cli {
namespace {

struct report_args {
  std::vector<std::string> files;
  std::string out;
};

/// Replaces this process with the report script on the Python CMake found with h5py and
/// matplotlib, so the script's exit code (0, or 2 with one line naming the problem or
/// the Debian package to install) is rankpool's. RANKPOOL_PYTHON and
/// RANKPOOL_REPORT_SCRIPT override both paths.
int write_report(const report_args& args) {
  if (launcher_rank() != 0) return exit_ok;  // under mpirun: one report, from rank 0
  const char* python = std::getenv("RANKPOOL_PYTHON");
  if (!python || !*python) python = RANKPOOL_REPORT_PYTHON;
  std::string script;
  if (const char* s = std::getenv("RANKPOOL_REPORT_SCRIPT"); s && *s) {
    script = s;
  } else {
    script = access(RANKPOOL_REPORT_SCRIPT, R_OK) == 0 ? RANKPOOL_REPORT_SCRIPT : RANKPOOL_REPORT_SCRIPT_INSTALLED;
  }
  std::vector<std::string> words{python, script};
  words.insert(words.end(), args.files.begin(), args.files.end());
  words.insert(words.end(), {"--out", args.out});
  std::vector<char*> argv_out;
  for (auto& w : words) argv_out.push_back(w.data());
  argv_out.push_back(nullptr);
  std::fflush(nullptr);
  execv(python, argv_out.data());
  std::fprintf(stderr, "rankpool: report: cannot run %s: %s (install the Debian package python3, or set RANKPOOL_PYTHON)\n",
               python, std::strerror(errno));
  return exit_usage;
}

}  // namespace

command add_report_command(CLI::App& cli) {
  auto args = std::make_shared<report_args>();
  auto* report = cli.add_subcommand("report", "HTML report of run files: per-rank timelines, cores busy, "
                                              "task and chunk histograms, strong scaling over several runs");
  report->add_option("files", args->files, "Run files (HDF5) written by rankpool run")->required();
  report->add_option("--out", args->out, "Folder for index.html and its PNGs")->required();
  return {report, [args](int, char**) { return write_report(*args); }};
}

}  // namespace rankpool::cli
