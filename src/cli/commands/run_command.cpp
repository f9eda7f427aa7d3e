// `rankpool run JOB.toml`: parse the job on every rank, run it, print the summary.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "command.hpp"
#include "rankpool/environment.hpp"
#include "rankpool/exit_code.hpp"
#include "rankpool/job.hpp"
#include "rankpool/run.hpp"
#include "rankpool/signals.hpp"

namespace rankpool::cli {
namespace {

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
  double grace_seconds = 30;
  double flush_seconds = 1;
  std::string deadline;
  std::string exit_code_file;
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

/// For batch scripts: after a lost rank a launcher may report its own status (srun: 137).
void write_exit_code(const std::string& path, int code) {
  if (std::FILE* out = std::fopen(path.c_str(), "w")) {
    std::fprintf(out, "%d\n", code);
    std::fclose(out);
  } else {
    std::fprintf(stderr, "rankpool: %s: cannot write the exit code there\n", path.c_str());
  }
}

int run_job_file(int argc, char** argv, run_args& args) {
  args.options.grace = std::chrono::milliseconds(static_cast<long>(args.grace_seconds * 1000));
  args.options.flush_interval = std::chrono::milliseconds(std::max(1L, static_cast<long>(args.flush_seconds * 1000)));
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
    if (!args.deadline.empty()) args.options.deadline = parse_deadline(args.deadline);
    const job_spec job = parse_job(args.job_file, text, args.overrides);
    if (args.dry_run) {
      if (env.is_root()) print_dry_run(job, args.options.shard);
      if (env.is_root() && !args.exit_code_file.empty()) write_exit_code(args.exit_code_file, exit_ok);
      return exit_ok;
    }
    const run_summary summary = run_job(env, job, args.options);
    // Should MPI_Finalize not return after a lost rank, the process still ends with this.
    env.set_exit_code(summary.exit_status());
    if (env.is_root() && !args.exit_code_file.empty()) write_exit_code(args.exit_code_file, summary.exit_status());
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
    if (env.is_root() && !args.exit_code_file.empty()) write_exit_code(args.exit_code_file, exit_usage);
    return exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rankpool: %s: %s\n", describe_rank(env.rank(), env.size(), env.host()).c_str(), e.what());
    std::fflush(stderr);
    if (env.is_root() && !args.exit_code_file.empty()) write_exit_code(args.exit_code_file, exit_failure);
    env.abort(exit_failure);
  }
}

}  // namespace

command add_run_command(CLI::App& cli) {
  auto args = std::make_shared<run_args>();
  auto* run = cli.add_subcommand("run", "Run a job file (under mpirun/srun, or alone as one process)");
  run->add_option("job", args->job_file, "Job file (TOML): app, [params], [sweep], [schedule], [output]")->required();
  run->add_option("--out", args->overrides.output, "Output HDF5 file (overrides output.path)");
  run->add_option("--chunk", args->overrides.chunk, "Chunk policy: auto, guided, guided:MIN or items per chunk");
  run->add_option("--threads", args->options.threads, "OpenMP threads per rank (default: OMP_NUM_THREADS, "
                                                      "SLURM_CPUS_PER_TASK, or the node's cores / ranks on it)")
      ->check(CLI::Range(1, 4096));
  run->add_option("--progress", args->options.progress, "auto, bar, log or none")
      ->check(CLI::IsMember({"auto", "bar", "log", "none"}));
  run->add_option("--set", args->overrides.sets, "Override a parameter: --set params.KEY=VALUE (repeatable)");
  run->add_option("--retries", args->overrides.retries, "Extra attempts for a failing task (overrides schedule.retries)");
  run->add_option("--on-error", args->overrides.on_error, "abort or continue (overrides schedule.on_error)");
  run->add_option("--prefetch", args->options.prefetch, "Chunks queued per rank, running one included")
      ->check(CLI::Range(1, 64));
  run->add_flag("--force", args->options.force, "Overwrite an existing output file");
  run->add_flag("--resume", args->options.resume, "Continue an interrupted run: run only the tasks the output has no result for");
  run->add_flag("--retry-failed", args->options.retry_failed, "Run again only the tasks the output records as failed");
  run->add_option("--grace", args->grace_seconds, "Seconds chunks in flight may take after SIGTERM/SIGINT/SIGUSR1 (default 30)")
      ->check(CLI::Range(0.0, 86400.0));
  run->add_option("--flush-interval", args->flush_seconds, "Results are durable at most this many seconds after arriving (default 1)")
      ->check(CLI::Range(0.001, 3600.0));
  run->add_option("--flush-every", args->options.flush_every, "... or after this many results (default 100000)")
      ->check(CLI::Range(1, 1 << 30));
  run->add_option("--shard", args->shard, "Run part INDEX of COUNT of the tasks (0 <= INDEX < COUNT), into its own "
                                          "output: job arrays; `rankpool merge` joins the parts")
      ->type_name("INDEX/COUNT");
  run->add_option("--deadline", args->deadline,
                  "Start no chunk that cannot end by then minus --grace; then drain, flush and exit 4 (resumable). "
                  "A duration (90s, 45m, 2h, 1h30m) or a local time YYYY-MM-DDTHH:MM[:SS]; inside SLURM the "
                  "default is the allocation's end")
      ->type_name("WHEN");
  run->add_option("--exit-code-file", args->exit_code_file,
                  "Rank 0 writes its exit code here before MPI ends: what a batch script judges the run by, "
                  "since a launcher may report its own status after a lost rank (srun exits 137)")
      ->type_name("PATH");
  run->add_flag("--no-slurm-deadline", [args](std::int64_t) { args->options.slurm_deadline = false; },
                "Inside SLURM, do not take the allocation's end as the deadline");
  run->add_flag("--no-rank0-tasks", [args](std::int64_t) { args->options.rank0_tasks = false; },
                "Rank 0 only schedules and writes (it still runs tasks when no other rank answers)");
  run->add_flag("--no-speculation", [args](std::int64_t) { args->options.speculation = false; },
                "Never run a copy of a late chunk on an idle rank (for tasks that must not run twice at once); "
                "chunks of a lost rank still run again");
  run->add_flag("--task-order", [args](std::int64_t) { args->options.cost_order = false; },
                "Hand out tasks in index order even when the app gives their costs (by default the most "
                "expensive go first, so the biggest do not run alone at the end)");
  run->add_flag("--dry-run", args->dry_run, "Validate the job, print the task count and first sweep combinations, run nothing");
  run->add_flag("--json", args->json, "Print one JSON summary object on stdout at the end");
  return {run, [args](int argc, char** argv) { return run_job_file(argc, argv, *args); }};
}

}  // namespace rankpool::cli
