#include "rankpool/cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "rankpool/merge.hpp"
#include "rankpool/run.hpp"
#include "rankpool/signals.hpp"
#include "rankpool/slurm.hpp"
#include "rankpool/version.hpp"

namespace rankpool {
namespace {

constexpr const char* launcher_rank_variables[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};

/// The launcher's rank before MPI starts, so only one process prints usage errors.
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

/// Reports a bad command line once. Under mpirun every rank waits for rank 0 to
/// have printed: a rank that exits non-zero first makes mpirun kill the others,
/// and rank 0's message would be lost.
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

void print_apps() {
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
}

void print_summary(const run_summary& s) {
  std::printf("%s: %llu tasks (%llu done before, %llu ran now), %llu failed, %llu cancelled on %d ranks x %d threads "
              "in %.3f s (%.4g tasks/s, efficiency %.3f)%s -> %s\n",
              s.app.c_str(), static_cast<unsigned long long>(s.tasks), static_cast<unsigned long long>(s.already_done),
              static_cast<unsigned long long>(s.ran), static_cast<unsigned long long>(s.failed),
              static_cast<unsigned long long>(s.cancelled), s.ranks, s.threads_per_rank, s.seconds, s.tasks_per_s(),
              s.efficiency(), s.interrupted ? ", INTERRUPTED (resumable with --resume)" : "", s.output.c_str());
}

struct run_args {
  std::string job_file;
  job_overrides overrides;
  run_options options;
  std::string shard;
  bool json = false;
  bool dry_run = false;
};

/// What --dry-run shows: the task count (and a shard's tasks) and the first combinations of a sweep.
void print_dry_run(const job_spec& job, const std::optional<shard_spec>& shard) {
  const auto instance = job.app->make(job.params);
  std::printf("%s: %llu tasks -> %s\n", job.app->name.c_str(),
              static_cast<unsigned long long>(instance->task_count()), job.output.c_str());
  if (shard) {
    const task_span mine = shard->tasks_of(instance->task_count());
    std::printf("  shard %s: tasks %llu to %llu (%llu tasks)\n", shard->to_string().c_str(),
                static_cast<unsigned long long>(mine.first), static_cast<unsigned long long>(mine.end),
                static_cast<unsigned long long>(mine.end - mine.first));
  }
  if (const sweep_table* sweep = job.params.sweep()) {
    const std::uint64_t shown = std::min<std::uint64_t>(sweep->size(), 10);
    for (std::uint64_t i = 0; i < shown; ++i) {
      std::printf("  task %llu:", static_cast<unsigned long long>(i));
      for (std::size_t a = 0; a < sweep->axes.size(); ++a)
        std::printf(" %s=%s", sweep->axes[a].name.c_str(), format_value(sweep->value(a, i)).c_str());
      std::printf("\n");
    }
    if (shown < sweep->size())
      std::printf("  ... %llu more\n", static_cast<unsigned long long>(sweep->size() - shown));
  }
}

int run_command(int argc, char** argv, run_args& args) {
  // Before MPI starts, so a walltime signal during start-up is not fatal either.
  install_stop_signal_handlers();
  environment env(argc, argv);
  try {
    std::string problem;
    std::string text;
    if (env.is_root()) {
      try {
        text = read_job_file(args.job_file);
      } catch (const usage_error& e) {
        problem = e.what();
      }
    }
    problem = env.broadcast(problem);
    if (!problem.empty()) throw usage_error(problem);
    text = env.broadcast(text);
    if (!args.shard.empty()) args.options.shard = shard_spec::parse(args.shard);
    const job_spec job = parse_job(args.job_file, text, args.overrides);
    if (args.dry_run) {
      if (env.is_root()) print_dry_run(job, args.options.shard);
      return exit_ok;
    }
    const run_summary summary = run_job(env, job, args.options);
    if (env.is_root()) {
      if (args.json) {
        std::cout << summary.to_json() << std::endl;
      } else {
        print_summary(summary);
      }
    }
    return summary.exit_status();
  } catch (const usage_error& e) {
    // Every rank reaches the same verdict from the same input; rank 0 speaks.
    if (env.is_root()) std::fprintf(stderr, "rankpool: %s\n", e.what());
    return exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rankpool: %s: %s\n", describe_rank(env.rank(), env.size(), env.host()).c_str(), e.what());
    std::fflush(stderr);
    env.abort(exit_failure);
  }
}

struct merge_args {
  std::string output;
  std::vector<std::string> parts;
  bool force = false;
  bool json = false;
};

/// `rankpool merge`: one process (rank 0 alone under a launcher), no MPI.
int merge_command(const merge_args& args) {
  if (launcher_rank() != 0) return exit_ok;
  try {
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
  } catch (const usage_error& e) {
    std::fprintf(stderr, "rankpool: merge: %s\n", e.what());
    return exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rankpool: merge: %s\n", e.what());
    return exit_failure;
  }
}

struct report_args {
  std::vector<std::string> files;
  std::string out;
};

/// `rankpool report`: replaces this process with tools/report/rankpool_report.py on the
/// Python CMake found with h5py and matplotlib, so the script's exit code (0, or 2 with one
/// line naming the problem or the Debian package to install) is rankpool's.
/// RANKPOOL_PYTHON and RANKPOOL_REPORT_SCRIPT override both paths.
int report_command(const report_args& args) {
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

/// `rankpool slurm`: checks the job file, prints a ready-to-submit sbatch script for
/// it. Paths become absolute: the job runs wherever sbatch is called.
int slurm_command(slurm_request request, int array) {
  namespace fs = std::filesystem;
  try {
    const job_spec job = parse_job(request.job_file, read_job_file(request.job_file));
    if (request.output.empty()) request.output = job.output;
    if (array > 0) request.array = array;
    request.job_file = fs::absolute(request.job_file).lexically_normal().string();
    request.output = fs::absolute(request.output).lexically_normal().string();
    if (request.rankpool.empty()) {
      std::error_code error;
      request.rankpool = fs::read_symlink("/proc/self/exe", error).string();
      if (error) throw usage_error("cannot tell where this binary is; pass --rankpool PATH");
    } else {
      request.rankpool = fs::absolute(request.rankpool).lexically_normal().string();
    }
    std::cout << make_batch_script(request);
    return exit_ok;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "rankpool: %s\n", e.what());
    return exit_usage;
  }
}

}  // namespace

int cli_main(int argc, char** argv) {
  CLI::App cli{"rankpool: run batches of independent tasks on every core of every MPI rank"};
  cli.set_version_flag("--version", std::string("rankpool ") + version);
  cli.require_subcommand(1);
  cli.get_formatter()->column_width(34);

  run_args args;
  auto* run = cli.add_subcommand("run", "Run a job file (under mpirun/srun, or alone as one process)");
  run->add_option("job", args.job_file, "Job file (TOML): app, [params], [schedule], [output]")->required();
  run->add_option("--out", args.overrides.output, "Output HDF5 file (overrides output.path)");
  run->add_option("--chunk", args.overrides.chunk, "Chunk policy: auto, guided, guided:MIN or items per chunk");
  run->add_option("--threads", args.options.threads, "OpenMP threads per rank (default: OMP_NUM_THREADS, "
                                                     "SLURM_CPUS_PER_TASK, or the node's cores / ranks on it)")
      ->check(CLI::Range(1, 4096));
  run->add_option("--progress", args.options.progress, "auto, bar, log or none")
      ->check(CLI::IsMember({"auto", "bar", "log", "none"}));
  run->add_option("--set", args.overrides.sets, "Override a parameter: --set params.KEY=VALUE (repeatable)");
  run->add_option("--retries", args.overrides.retries, "Extra attempts for a failing task (overrides schedule.retries)");
  run->add_option("--on-error", args.overrides.on_error, "abort or continue (overrides schedule.on_error)");
  run->add_option("--prefetch", args.options.prefetch, "Chunks queued per rank, running one included")
      ->check(CLI::Range(1, 64));
  run->add_flag("--force", args.options.force, "Overwrite an existing output file");
  run->add_flag("--resume", args.options.resume, "Continue an interrupted run: run only the tasks the output has no result for");
  run->add_flag("--retry-failed", args.options.retry_failed, "Run again only the tasks the output records as failed");
  double grace_seconds = 30;
  double flush_seconds = 1;
  run->add_option("--grace", grace_seconds, "Seconds chunks in flight may take after SIGTERM/SIGINT/SIGUSR1 (default 30)")
      ->check(CLI::Range(0.0, 86400.0));
  run->add_option("--flush-interval", flush_seconds, "Results are durable at most this many seconds after arriving (default 1)")
      ->check(CLI::Range(0.001, 3600.0));
  run->add_option("--flush-every", args.options.flush_every, "... or after this many results (default 100000)")
      ->check(CLI::Range(1, 1 << 30));
  run->add_option("--shard", args.shard, "Run part INDEX of COUNT of the tasks (0 <= INDEX < COUNT), into its own "
                                         "output: job arrays; `rankpool merge` joins the parts")
      ->type_name("INDEX/COUNT");
  run->add_flag("--dry-run", args.dry_run, "Validate the job, print the task count and first sweep combinations, run nothing");
  run->add_flag("--json", args.json, "Print one JSON summary object on stdout at the end");
  auto* apps = cli.add_subcommand("apps", "List the apps with their parameters and defaults");
  report_args report_args;
  auto* report = cli.add_subcommand("report", "HTML report of run files: per-rank timelines, cores busy, "
                                              "task and chunk histograms, strong scaling over several runs");
  report->add_option("files", report_args.files, "Run files (HDF5) written by rankpool run")->required();
  report->add_option("--out", report_args.out, "Folder for index.html and its PNGs")->required();

  merge_args merge_args;
  auto* merge = cli.add_subcommand("merge", "Merge the run files of one job's parts (rankpool run --shard) into one "
                                            "file laid out like a single run; exit 3 if tasks failed or are missing");
  merge->add_option("output", merge_args.output, "The merged run file (HDF5) to write")->required();
  merge->add_option("parts", merge_args.parts, "The parts' run files")->required();
  merge->add_flag("--force", merge_args.force, "Replace an existing output file");
  merge->add_flag("--json", merge_args.json, "Print one JSON summary object on stdout");

  slurm_request slurm_args;
  slurm_args.rankpool.clear();  // default: this binary
  int slurm_array = 0;
  auto* slurm = cli.add_subcommand("slurm", "Print a SLURM batch script that runs a job file (pipe it to sbatch)");
  slurm->add_option("job", slurm_args.job_file, "Job file (TOML), checked now")->required();
  slurm->add_option("--nodes", slurm_args.nodes, "Nodes")->check(CLI::Range(1, 1000000))->capture_default_str();
  slurm->add_option("--ntasks-per-node", slurm_args.ntasks_per_node, "MPI ranks per node")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  slurm->add_option("--cpus-per-task", slurm_args.cpus_per_task, "OpenMP threads per rank")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  slurm->add_option("--time", slurm_args.time, "Wall time limit, HH:MM:SS")->capture_default_str();
  slurm->add_option("--partition", slurm_args.partition, "Partition (default: the cluster's default)");
  slurm->add_option("--array", slurm_array, "A job array of K runs, run i writing OUTPUT.i.h5")
      ->check(CLI::Range(1, 1000000));
  slurm->add_option("--out", slurm_args.output, "Output HDF5 file (default: the job file's output.path)");
  slurm->add_option("--job-name", slurm_args.job_name, "SLURM job name")->capture_default_str();
  slurm->add_option("--rankpool", slurm_args.rankpool, "The rankpool binary the job runs (default: this one)");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return launcher_rank() == 0 ? cli.exit(e) : 0;  // --help, --version
    return usage_failure(argc, argv, e.what());
  }
  args.options.grace = std::chrono::milliseconds(static_cast<long>(grace_seconds * 1000));
  args.options.flush_interval = std::chrono::milliseconds(std::max(1L, static_cast<long>(flush_seconds * 1000)));
  if (apps->parsed()) {
    if (launcher_rank() == 0) print_apps();
    return exit_ok;
  }
  if (report->parsed()) return report_command(report_args);
  if (merge->parsed()) return merge_command(merge_args);
  if (slurm->parsed()) return slurm_command(slurm_args, slurm_array);
  return run_command(argc, argv, args);
}

}  // namespace rankpool
