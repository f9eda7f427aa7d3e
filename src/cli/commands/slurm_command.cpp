// `rankpool slurm JOB.toml ...`: check the job, print a ready-to-submit sbatch script.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "command.hpp"
#include "rankpool/error.hpp"
#include "rankpool/exit_code.hpp"
#include "rankpool/job.hpp"
#include "rankpool/slurm.hpp"

namespace rankpool::cli {
namespace {

struct slurm_args {
  slurm_request request;
  int array = 0;
};

/// Paths become absolute: the job runs wherever sbatch is called.
int print_batch_script(slurm_args args) {
  namespace fs = std::filesystem;
  slurm_request& request = args.request;
  try {
    const job_spec job = parse_job(request.job_file, read_job_file(request.job_file));
    if (request.output.empty()) request.output = job.output;
    if (args.array > 0) request.array = args.array;
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

command add_slurm_command(CLI::App& cli) {
  auto args = std::make_shared<slurm_args>();
  slurm_request& r = args->request;
  r.rankpool.clear();  // default: this binary
  auto* slurm = cli.add_subcommand("slurm", "Print a SLURM batch script that runs a job file (pipe it to sbatch)");
  slurm->add_option("job", r.job_file, "Job file (TOML), checked now")->required();
  slurm->add_option("--nodes", r.nodes, "Nodes")->check(CLI::Range(1, 1000000))->capture_default_str();
  slurm->add_option("--ntasks-per-node", r.ntasks_per_node, "MPI ranks per node")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  slurm->add_option("--cpus-per-task", r.cpus_per_task, "OpenMP threads per rank")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  slurm->add_option("--time", r.time, "Wall time limit, HH:MM:SS")->capture_default_str();
  slurm->add_option("--partition", r.partition, "Partition (default: the cluster's default)");
  slurm->add_option("--array", args->array, "A job array of K runs, run i writing OUTPUT.i.h5")
      ->check(CLI::Range(1, 1000000));
  slurm->add_option("--out", r.output, "Output HDF5 file (default: the job file's output.path)");
  slurm->add_option("--job-name", r.job_name, "SLURM job name")->capture_default_str();
  slurm->add_option("--rankpool", r.rankpool, "The rankpool binary the job runs (default: this one)");
  return {slurm, [args](int, char**) { return print_batch_script(*args); }};
}

}  // namespace rankpool::cli
