#pragma once
/// SLURM: ready-to-submit batch scripts (`rankpool slurm`) and the allocation facts a
/// run records in its file. The script template is slurm/multi_node.sbatch's.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rankpool {

/// What `rankpool slurm` asks for. Paths go into the script as given: make them
/// absolute, the job runs wherever sbatch was called.
struct slurm_request {
  std::string job_file;                 ///< the job file (TOML)
  int nodes = 1;
  int ntasks_per_node = 1;              ///< MPI ranks per node
  int cpus_per_task = 1;                ///< OpenMP threads per rank
  std::string time = "01:00:00";        ///< wall time limit, HH:MM:SS
  std::string partition;                ///< empty: the cluster's default partition
  std::optional<int> array;             ///< K: a job array of K runs, indices 0..K-1
  std::string output;                   ///< `rankpool run --out`; empty: the job file's output.path
  std::string rankpool = "rankpool";    ///< the binary the job runs
  std::string job_name = "rankpool";    ///< sbatch --job-name
  std::string log;                      ///< sbatch --output; empty: rankpool-%j.out (rankpool-%A_%a.out for arrays)
};

/// A ready-to-submit sbatch script: #SBATCH lines from `r`, the job and output as the
/// script's default arguments, then slurm/multi_node.sbatch's body. For an array of K
/// (an array needs an output), element i runs `--shard i/K` into OUTPUT with ".i"
/// before the extension, resuming that file if it exists, and element 0 submits a
/// merge job (`rankpool merge OUTPUT parts...`, --dependency=afterok on the array).
/// Throws usage_error naming the field for a bad request.
std::string make_batch_script(const slurm_request& r);

/// True for a wall time "HH:MM:SS": hours of 1+ digits, minutes and seconds below 60, not 0:00:00.
bool is_valid_walltime(std::string_view text);

/// The body of slurm/multi_node.sbatch, from its "# ---- body" line to the end
/// (make_batch_script's template; the tests check the file still matches).
std::string_view batch_script_body();

/// The SLURM_* variables describing this process's allocation (job id, node list,
/// task and CPU counts, partition, array index, restarts...), as (name, value) in a
/// fixed order, only those set: what a run records among its file's attributes.
/// Empty outside SLURM.
std::vector<std::pair<std::string, std::string>> slurm_attributes();

/// When this process's SLURM allocation ends: SLURM_JOB_END_TIME if set, else asked of
/// `squeue` for SLURM_JOB_ID; nothing outside SLURM, for an unlimited job, or if
/// squeue cannot tell.
std::optional<std::chrono::system_clock::time_point> slurm_end_time();

}  // namespace rankpool
