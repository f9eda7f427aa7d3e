#include "rankpool/slurm.hpp"

#include <time.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <string>

#include "rankpool/error.hpp"
#include "rankpool/version.hpp"

namespace rankpool {
namespace {

// slurm/multi_node.sbatch from its "# ---- body" line to the end, verbatim
// (tests/slurm/slurm_script_test.cpp fails when the two drift apart).
constexpr std::string_view body = R"sh(
# ---- body: make_batch_script() in src/rankpool/slurm.cpp emits these same lines ----
set -uo pipefail
if [ $# -lt 1 ]; then
  echo "usage: sbatch [options] SCRIPT JOB.toml [rankpool run options...]" >&2
  exit 2
fi
job=$1
shift
rankpool=${RANKPOOL:-${SLURM_SUBMIT_DIR:-$PWD}/build/apps/rankpool}
threads=${SLURM_CPUS_PER_TASK:-1}
ranks_per_node=${SLURM_NTASKS_PER_NODE%%(*}
export OMP_NUM_THREADS=$threads
export OMP_PLACES=${OMP_PLACES:-cores}
export OMP_PROC_BIND=${OMP_PROC_BIND:-close}
echo "rankpool: SLURM job ${SLURM_JOB_ID} on ${SLURM_JOB_NODELIST}: ${SLURM_NTASKS} ranks x ${threads} threads: $job $*"
# A lost worker does not end the run (srun --kill-on-bad-exit=0, mpirun --enable-recovery:
# rankpool runs its tasks elsewhere). A launcher may still end the step (Slurm's PMIx
# plugin aborts a step when one of its tasks dies) or report its own status (srun: 137):
# the run's exit code is rankpool's, which rank 0 writes to a file before MPI ends (on
# the first node, where this script runs). A step that ended by a signal without it is
# resumed in a new step of the same allocation, up to RANKPOOL_STEP_RETRIES times.
retries=${RANKPOOL_STEP_RETRIES:-2}
args=("$@")
for ((attempt = 0; ; ++attempt)); do
  code_file=$(mktemp "${TMPDIR:-/tmp}/rankpool-exit.XXXXXX")
  case ${RANKPOOL_LAUNCHER:-srun} in
    srun)
      srun --mpi=pmix --kill-on-bad-exit=0 --ntasks="$SLURM_NTASKS" --ntasks-per-node="$ranks_per_node" \
        --cpus-per-task="$threads" --cpu-bind=cores "$rankpool" run "$job" "${args[@]}" --exit-code-file "$code_file"
      ;;
    mpirun)
      mpirun --enable-recovery -n "$SLURM_NTASKS" --map-by "ppr:${ranks_per_node}:node:PE=${threads}" \
        --bind-to core "$rankpool" run "$job" "${args[@]}" --exit-code-file "$code_file"
      ;;
    *)
      echo "rankpool: RANKPOOL_LAUNCHER must be srun or mpirun, not '${RANKPOOL_LAUNCHER}'" >&2
      exit 2
      ;;
  esac
  status=$?
  code=$(cat "$code_file" 2>/dev/null || true)
  rm -f "$code_file"
  if [[ $code =~ ^[0-9]+$ ]]; then
    status=$code
    break
  fi
  if ((attempt >= retries)) || ! ((status == 0 || status > 128)); then
    break
  fi
  echo "rankpool: the step ended (launcher status $status) before rankpool's rank 0 finished; resuming in a new step (retry $((attempt + 1)) of $retries)"
  resumed=(--resume)
  for arg in "${args[@]}"; do
    [[ $arg == --force || $arg == --resume ]] || resumed+=("$arg")
  done
  args=("${resumed[@]}")
done
echo "rankpool: exit status $status"
exit "$status"
)sh";

/// The shell word for `text`: single quotes, embedded ones as '\''.
std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

void require(bool ok, const std::string& message) {
  if (!ok) throw usage_error(message);
}

/// A path that can stand in a script: not empty, one line.
void check_path(const std::string& what, const std::string& path) {
  require(!path.empty(), what + " is empty");
  require(path.find_first_of(std::string("\n\r\0", 3)) == std::string::npos, what + " must be one line");
}

/// What may follow an #SBATCH option: sbatch does not unquote these.
bool is_directive_word(std::string_view text, std::string_view extra) {
  if (text.empty()) return false;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos) return false;
  return true;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

/// OUTPUT with "." + INDEX before its extension (OUTPUT.h5 -> OUTPUT.INDEX.h5, as
/// slurm/array.sbatch names parts), as a shell word; `index` is shell text for the index.
std::string part_output_word(const std::string& output, const std::string& index) {
  const auto slash = output.find_last_of('/');
  auto dot = output.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot == 0 ||
      (slash != std::string::npos && dot == slash + 1))
    dot = output.size();
  return shell_quote(output.substr(0, dot) + ".") + "\"" + index + "\"" +
         (dot < output.size() ? shell_quote(output.substr(dot)) : std::string());
}

/// What an array element does before the body: run its shard into its own part file
/// (resuming it if it exists), and, at element 0's first start, submit the merge job.
std::string array_element_lines(const slurm_request& r) {
  const std::string count = std::to_string(*r.array);
  std::string s;
  s += "# Array element i runs part i of " + count + " of the job's tasks into its own file; element 0,\n";
  s += "# at its first start, submits the job that merges the parts once all have succeeded.\n";
  s += "if [ $# -eq 0 ]; then set -- " + shell_quote(r.job_file) + "; fi\n";
  s += "part=" + part_output_word(r.output, "${SLURM_ARRAY_TASK_ID}") + "\n";
  s += "job_file=$1\nshift\n";
  s += "resume=()\n";
  s += "if [ -e \"$part\" ]; then resume=(--resume); fi  # requeued or submitted again: finish the part\n";
  s += "set -- \"$job_file\" --shard \"${SLURM_ARRAY_TASK_ID}/" + count + "\" --out \"$part\" \"${resume[@]}\" \"$@\"\n";
  s += "if [ \"${SLURM_ARRAY_TASK_ID}\" = 0 ] && [ \"${SLURM_RESTART_COUNT:-0}\" = 0 ]; then\n";
  s += "  parts=()\n";
  s += "  for ((i = 0; i < " + count + "; ++i)); do parts+=(" + part_output_word(r.output, "$i") + "); done\n";
  s += "  merge=$(printf '%q ' \"$RANKPOOL\" merge " + shell_quote(r.output) + " \"${parts[@]}\")\n";
  s += "  if merge_job=$(sbatch --parsable --dependency=afterok:\"$SLURM_ARRAY_JOB_ID\" --kill-on-invalid-dep=yes \\\n";
  s += "      --job-name=" + r.job_name + "-merge --nodes=1 --ntasks=1 --time=" + r.time +
       (r.partition.empty() ? std::string() : " --partition=" + r.partition) +
       " --output=rankpool-merge-%j.out --wrap=\"$merge\"); then\n";
  s += "    echo \"rankpool: merge job $merge_job runs after array job $SLURM_ARRAY_JOB_ID: $merge\"\n";
  s += "  else\n";
  s += "    echo \"rankpool: could not submit the merge job; once every element has succeeded run: $merge\" >&2\n";
  s += "  fi\n";
  s += "fi\n";
  return s;
}

}  // namespace

bool is_valid_walltime(std::string_view text) {
  const auto first = text.find(':');
  const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos) return false;
  const auto hours = text.substr(0, first);
  const auto minutes = text.substr(first + 1, second - first - 1);
  const auto seconds = text.substr(second + 1);
  if (!all_digits(hours) || hours.size() > 6 || minutes.size() != 2 || seconds.size() != 2 ||
      !all_digits(minutes) || !all_digits(seconds))
    return false;
  const int m = std::stoi(std::string(minutes));
  const int s = std::stoi(std::string(seconds));
  if (m > 59 || s > 59) return false;
  return std::stol(std::string(hours)) + m + s > 0;
}

std::string_view batch_script_body() { return body.substr(1); }  // without the raw string's first newline

std::string make_batch_script(const slurm_request& r) {
  check_path("the job file", r.job_file);
  check_path("the rankpool binary", r.rankpool);
  require(r.nodes >= 1 && r.nodes <= 1000000, "--nodes must be 1 or more, not " + std::to_string(r.nodes));
  require(r.ntasks_per_node >= 1 && r.ntasks_per_node <= 4096,
          "--ntasks-per-node must be 1 to 4096, not " + std::to_string(r.ntasks_per_node));
  require(r.cpus_per_task >= 1 && r.cpus_per_task <= 4096,
          "--cpus-per-task must be 1 to 4096, not " + std::to_string(r.cpus_per_task));
  require(is_valid_walltime(r.time), "--time must be HH:MM:SS (minutes and seconds below 60, not zero), not '" +
                                         r.time + "'");
  require(r.partition.empty() || is_directive_word(r.partition, "_.-,"),
          "--partition may hold letters, digits and _ . - , only, not '" + r.partition + "'");
  require(is_directive_word(r.job_name, "_.-"),
          "the job name may hold letters, digits and _ . - only, not '" + r.job_name + "'");
  require(r.log.empty() || is_directive_word(r.log, "_.-/%+"),
          "the log path may hold letters, digits and _ . - / % + only, not '" + r.log + "'");
  if (r.array) {
    require(*r.array >= 1 && *r.array <= 1000000, "--array must be 1 or more, not " + std::to_string(*r.array));
    require(!r.output.empty(), "--array needs an output path (element i writes OUTPUT.i.h5, the merge OUTPUT)");
  }
  if (!r.output.empty()) check_path("the output path", r.output);

  const std::string threads = std::to_string(r.cpus_per_task);
  std::string s;
  s += "#!/bin/bash\n";
  s += "# Generated by `rankpool slurm` (rankpool " + std::string(version) + "): " + std::to_string(r.nodes) +
       " node(s) x " + std::to_string(r.ntasks_per_node) + " rank(s) x " + threads + " thread(s), wall time " +
       r.time + (r.array ? ", array of " + std::to_string(*r.array) : std::string()) + ".\n";
  s += "# Submit it as it is: sbatch THIS_SCRIPT\n";
  s += r.array ? "# Arguments replace the job file, and add options: sbatch THIS_SCRIPT JOB.toml [rankpool run options...]\n"
               : "# Arguments replace the job and flags filled in below: sbatch THIS_SCRIPT JOB.toml [rankpool run options...]\n";
  s += "# The template is slurm/multi_node.sbatch (see slurm/README.md); RANKPOOL in the\n";
  s += "# environment overrides the binary, RANKPOOL_LAUNCHER=mpirun launches with mpirun,\n";
  s += "# RANKPOOL_STEP_RETRIES bounds the resumes after a dead rank ended a step (default 2).\n";
  s += "#SBATCH --job-name=" + r.job_name + "\n";
  s += "#SBATCH --nodes=" + std::to_string(r.nodes) + "\n";
  s += "#SBATCH --ntasks-per-node=" + std::to_string(r.ntasks_per_node) + "\n";
  s += "#SBATCH --cpus-per-task=" + threads + "\n";
  s += "#SBATCH --time=" + r.time + "\n";
  s += "#SBATCH --output=" + (r.log.empty() ? std::string(r.array ? "rankpool-%A_%a.out" : "rankpool-%j.out") : r.log) +
       "\n";
  if (!r.partition.empty()) s += "#SBATCH --partition=" + r.partition + "\n";
  if (r.array) s += "#SBATCH --array=0-" + std::to_string(*r.array - 1) + "\n";
  s += "\n# Filled in by `rankpool slurm`:\n";
  s += "if [ -z \"${RANKPOOL:-}\" ]; then RANKPOOL=" + shell_quote(r.rankpool) + "; fi\n";
  if (r.array) {
    s += array_element_lines(r) + "\n";
  } else {
    s += "if [ $# -eq 0 ]; then set -- " + shell_quote(r.job_file);
    if (!r.output.empty()) s += " --out " + shell_quote(r.output);
    s += "; fi\n\n";
  }
  s += batch_script_body();
  return s;
}

std::vector<std::pair<std::string, std::string>> slurm_attributes() {
  static constexpr const char* names[] = {
      "SLURM_CLUSTER_NAME",     "SLURM_JOB_ID",          "SLURM_JOB_NAME",         "SLURM_JOB_PARTITION",
      "SLURM_JOB_ACCOUNT",      "SLURM_JOB_QOS",         "SLURM_JOB_NODELIST",     "SLURM_JOB_NUM_NODES",
      "SLURM_NTASKS",           "SLURM_NTASKS_PER_NODE", "SLURM_TASKS_PER_NODE",   "SLURM_CPUS_PER_TASK",
      "SLURM_JOB_CPUS_PER_NODE", "SLURM_STEP_ID",        "SLURM_ARRAY_JOB_ID",     "SLURM_ARRAY_TASK_ID",
      "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",  "SLURM_ARRAY_TASK_MAX",   "SLURM_RESTART_COUNT",
      "SLURM_SUBMIT_DIR",       "SLURM_SUBMIT_HOST",
  };
  std::vector<std::pair<std::string, std::string>> found;
  for (const char* name : names)
    if (const char* value = std::getenv(name)) found.emplace_back(name, value);
  return found;
}

std::optional<std::chrono::system_clock::time_point> slurm_end_time() {
  using clock = std::chrono::system_clock;
  if (const char* end = std::getenv("SLURM_JOB_END_TIME"); end && *end) {
    char* rest = nullptr;
    const long long seconds = std::strtoll(end, &rest, 10);
    if (rest && *rest == '\0' && seconds > 0) return clock::time_point(std::chrono::seconds(seconds));
  }
  const char* job = std::getenv("SLURM_JOB_ID");
  if (!job || std::string_view(job).find_first_not_of("0123456789_") != std::string_view::npos) return std::nullopt;
  const std::string command = std::string("squeue -h -j ") + job + " -o %e 2>/dev/null";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  char line[128] = {};
  const bool read = std::fgets(line, sizeof line, pipe) != nullptr;
  pclose(pipe);
  std::tm when{};
  const char* rest = read ? strptime(line, "%Y-%m-%dT%H:%M:%S", &when) : nullptr;
  if (!rest) return std::nullopt;  // "N/A", "Unknown": no end time
  when.tm_isdst = -1;
  const std::time_t t = std::mktime(&when);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return clock::from_time_t(t);
}

}  // namespace rankpool
