#!/usr/bin/env bash
# The slurm/ batch scripts on a real SLURM cluster: two slurmd "nodes" (n1, n2) on
# this machine, started by tests/slurm/cluster.sh under a temporary directory and
# stopped by a trap whatever happens.
#
#   tests/slurm/slurm_test.sh BUILD_DIR      (BUILD_DIR/apps/rankpool is the binary)
#
# Each script is submitted as it is, adapted to the small cluster with sbatch options
# and environment variables only, and waited for by polling `scontrol show job` (no
# slurmdbd, so no sacct). Checks:
#   single_node.sbatch     COMPLETED, exit 0:0, 2 ranks x 1 thread on one node, /results equal
#                          to a plain `mpirun -n 2` run of the same job
#   multi_node.sbatch      srun --mpi=pmix: 2 nodes x 2 ranks, hosts = n1 n1 n2 n2, /results equal
#   multi_node.sbatch      RANKPOOL_LAUNCHER=mpirun: the same through Open MPI's own launcher
#   multi_node.sbatch      tasks that throw: JobState FAILED, ExitCode 3:0 (rankpool's code), run file "failed"
#   multi_node.sbatch      a missing job file: ExitCode 2:0
#   walltime_requeue.sbatch --time=1 min, --signal=B:TERM@58, a 40 s job: SLURM's own wall-time signal
#                          reaches the script, which passes SIGTERM to the ranks; rankpool stops
#                          (exit 4, INTERRUPTED), the job is requeued; the rerun adds --resume and runs
#                          only the tasks left; Restarts=1, exit 0:0, /results equal a plain run.
#                          (Once requeued, the test raises the job's limit to 5 min so the rerun is
#                          not stopped again: SLURM may signal up to 30 s late, so a 1-minute limit
#                          cannot both surely stop the first run and surely spare the second.)
#   array.sbatch + array_merge.sbatch  --array=0-2, then the merge with --dependency=afterok:
#                          each element ran its shard into OUT.k.h5, the merge job COMPLETED and the
#                          merged /results equal the mpirun run; an array whose tasks fail (exit 3)
#                          leaves its merge job CANCELLED (afterok never satisfied), nothing merged
#   multi_node.sbatch      a worker killed (SIGKILL) mid-run: the job ends COMPLETED 0:0 by rankpool's
#                          own exit code, /results exact: the run went on without the rank, or (Slurm's
#                          PMIx plugin aborting the step) the script resumed it in a new step
#   multi_node.sbatch      a task that crashes its worker (SIGSEGV), rank 0 scheduling only: the task
#                          is quarantined after two workers, FAILED 3:0, every other task done
#   single_node.sbatch     --time=1 min: rankpool takes the allocation's end as its deadline (squeue)
#                          and stops in time: exit 4, run file "interrupted"
#   `rankpool slurm`       the generated script runs as submitted; with --array 2 each element runs
#                          its shard, element 0 submits the merge job, which COMPLETED with /results
#                          equal to the mpirun run; the run files carry SLURM_* attributes; a bad
#                          --time is refused with exit 2
#   python_map.py          `srun -n 3 python3 -m rankpool` on 2 nodes (when BUILD_DIR/python holds the
#                          package): COMPLETED 0:0, rankpool.size() 3, the map's values right, and ranks
#                          0, 1 on n1 and 2 on n2 each ran calls
# MPI traffic between the "nodes" is held to loopback (btl/oob tcp on 127.0.0.0/8).
# Exit 0 pass, 1 fail, 77 skipped (SLURM or munge not installed). RANKPOOL_KEEP=1 keeps the files.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
for tool in sbatch scontrol squeue slurmctld slurmd munged mungekey; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not found (install slurm-wlm and munge: tools/install-deps.sh test)"
    exit 77
  fi
done
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rankpool=$build/apps/rankpool
h5check=("/usr/bin/python3" "$here/h5check.py")
[ "$(id -u)" -eq 0 ] || { echo "FAIL: the local SLURM cluster needs root" >&2; exit 1; }
[ -x "$rankpool" ] || { echo "FAIL: no $rankpool (build first)" >&2; exit 1; }

# shellcheck source=../../tools/env.sh
source "$root/tools/env.sh"
export OMPI_MCA_btl_tcp_if_include=127.0.0.0/8 OMPI_MCA_oob_tcp_if_include=127.0.0.0/8
unset OMP_NUM_THREADS OMP_PLACES OMP_PROC_BIND SLURM_JOB_ID

# A cluster an earlier run left behind when it was killed outright (SIGKILL, no trap).
for old in /tmp/rankpool-slurm-test.*; do
  if [ -s "$old/test.pid" ] && ! kill -0 "$(cat "$old/test.pid")" 2>/dev/null; then
    echo "stopping the cluster left in $old by an earlier run"
    RANKPOOL_SLURM_DIR=$old/cluster bash "$here/cluster.sh" stop || true
    rm -rf "$old"
  fi
done

started=$SECONDS
work=$(mktemp -d /tmp/rankpool-slurm-test.XXXXXX)
chmod 0755 "$work"
echo $$ >"$work/test.pid"
export RANKPOOL_SLURM_DIR=$work/cluster
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${raise_limit:-}" ]; then kill "$raise_limit" 2>/dev/null || true; fi
  bash "$here/cluster.sh" stop || rc=1
  if [ "$rc" -eq 0 ] && [ -z "${RANKPOOL_KEEP:-}" ]; then
    rm -rf "$work"
  else
    echo "files kept in $work"
  fi
  echo "slurm_test: $([ "$rc" -eq 0 ] && echo PASS || echo FAIL) in $((SECONDS - started)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../support/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/checks.sh"

# ---- job files and the plain mpirun references ----
cat >"$work/mandel.toml" <<'EOF'
app = "mandelbrot"
[params]
width = 256
height = 256
max_iterations = 300
rows_per_task = 4
[output]
path = "mandel.h5"
EOF
cat >"$work/fails.toml" <<'EOF'
app = "synthetic"
[params]
tasks = 200
duration_us = 100
fail_every = 7
[schedule]
on_error = "continue"
[output]
path = "fails.h5"
EOF
# 1600 x 50 ms of sleep on 2 ranks: 40 s, past the latest the wall-time signal can come.
cat >"$work/long.toml" <<'EOF'
app = "synthetic"
[params]
tasks = 1600
duration_us = 50000
work = "sleep"
[output]
path = "long.h5"
EOF
# 4000 x 3 ms of sleep on 4 ranks: 3 s; a worker is killed 1 s in.
cat >"$work/kill.toml" <<'EOF'
app = "synthetic"
[params]
tasks = 4000
duration_us = 3000
work = "sleep"
[output]
path = "kill.h5"
EOF
cat >"$work/crash.toml" <<'EOF'
app = "synthetic"
[params]
tasks = 2000
duration_us = 300
work = "sleep"
crash_task = 700
[schedule]
on_error = "continue"
[output]
path = "crash.h5"
EOF
echo "references (mpirun -n 2, no SLURM):"
mpirun -n 2 --bind-to none "$rankpool" run "$work/mandel.toml" --out "$work/ref_mandel.h5" --progress none
# Checksums depend on (seed, index) only: the same tasks without the sleeping.
mpirun -n 2 --bind-to none "$rankpool" run "$work/long.toml" --set params.duration_us=0 --out "$work/ref_long.h5" \
  --progress none
mpirun -n 2 --bind-to none "$rankpool" run "$work/kill.toml" --set params.duration_us=0 --out "$work/ref_kill.h5" \
  --progress none

# ---- the cluster ----
bash "$here/cluster.sh" start
export SLURM_CONF=$RANKPOOL_SLURM_DIR/etc/slurm.conf
export RANKPOOL=$rankpool
sinfo -N -o '%N %t %c'

field() {  # field JOBID NAME: one field of `scontrol -o show job`
  scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
wait_job() {  # wait_job JOBID SECONDS: until the job has ended for good
  local id=$1 deadline=$((SECONDS + $2)) state
  while :; do
    state=$(field "$id" JobState)
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED) return 0 ;;
    esac
    if ((SECONDS >= deadline)); then
      echo "  job $id still ${state:-unknown} after $2 s; cancelling it"
      scancel "$id" || true
      return 1
    fi
    sleep 0.25
  done
}
submit() {  # submit NAME SBATCH_ARGS...: prints the job id
  local name=$1
  shift
  sbatch --parsable --job-name="$name" --output="$work/$name.out" "$@" | cut -d';' -f1
}
hosts_of() { "${h5check[@]}" hosts "$1" | sort | tr '\n' ' '; }
same_results() { "${h5check[@]}" same-results "$1" "$2"; }
report() {  # report NAME JOBID
  echo "$1 (job $2): JobState=$(field "$2" JobState) ExitCode=$(field "$2" ExitCode) Restarts=$(field "$2" Restarts) NodeList=$(field "$2" NodeList)"
  sed 's/^/    | /' "$work/$1.out" | grep -v "lacks support for cpu binding" || true
}
expect_job() {  # expect_job NAME JOBID STATE EXITCODE
  check "$1: JobState $3" [ "$(field "$2" JobState)" = "$3" ]
  check "$1: ExitCode $4" [ "$(field "$2" ExitCode)" = "$4" ]
}
expect_slurm_attributes() {  # expect_slurm_attributes NAME FILE JOBID NODELIST
  if [ -z "$has_slurm_command" ]; then return 0; fi
  check "$1: SLURM_JOB_ID attribute = $3" [ "$("${h5check[@]}" attr "$2" SLURM_JOB_ID)" = "$3" ]
  check "$1: SLURM_JOB_NODELIST attribute = $4" [ "$("${h5check[@]}" attr "$2" SLURM_JOB_NODELIST)" = "$4" ]
}
has_slurm_command=""
if "$rankpool" --help 2>/dev/null | grep -q "^ *slurm "; then has_slurm_command=1; fi
# The package as built here, not one installed elsewhere on the interpreter's path.
has_python=""
if compgen -G "$build/python/rankpool/_core*.so" >/dev/null && /usr/bin/python3 -c "import cloudpickle" 2>/dev/null; then
  has_python=1
fi

# ---- submit everything; SLURM runs what fits on n1 + n2 ----
short=(--time=00:05:00)
# A 1-minute limit with the signal 58 s before it: SLURM's time-limit pass (every 30 s)
# signals the first run 2 to 32 s in. Once the job is requeued its limit is raised, so
# the resumed run is not stopped again and the chain ends after one rerun.
# --no-slurm-deadline: this one tests the signal path (the deadline stops a run below).
walltime=$(submit walltime --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --time=00:01:00 --signal=B:TERM@58 \
  "$root/slurm/walltime_requeue.sbatch" "$work/long.toml" --out "$work/walltime.h5" --progress none --no-slurm-deadline)
(
  for ((i = 0; i < 600; ++i)); do
    if [ "$(field "$walltime" Restarts)" = 1 ]; then
      scontrol update JobId="$walltime" TimeLimit=00:05:00 && echo "  (job $walltime requeued: limit raised to 5 min)"
      exit 0
    fi
    sleep 0.2
  done
) &
raise_limit=$!
single=$(submit single "${short[@]}" "$root/slurm/single_node.sbatch" "$work/mandel.toml" \
  --out "$work/single.h5" --progress none)
multi=$(submit multi "${short[@]}" --nodes=2 --ntasks-per-node=2 --cpus-per-task=1 \
  "$root/slurm/multi_node.sbatch" "$work/mandel.toml" --out "$work/multi.h5" --progress none)
multi_mpirun=$(RANKPOOL_LAUNCHER=mpirun submit multi_mpirun "${short[@]}" --nodes=2 --ntasks-per-node=2 \
  --cpus-per-task=1 "$root/slurm/multi_node.sbatch" "$work/mandel.toml" --out "$work/multi_mpirun.h5" --progress none)
fails=$(submit fails "${short[@]}" --nodes=2 --ntasks-per-node=1 --cpus-per-task=1 \
  "$root/slurm/multi_node.sbatch" "$work/fails.toml" --out "$work/fails.h5" --progress none)
array=$(submit array --array=0-2 "${short[@]}" --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 \
  --output="$work/array-%a.out" "$root/slurm/array.sbatch" "$work/mandel.toml" "$work/swept.h5" --progress none)
array_merge=$(submit array_merge --dependency=afterok:"$array" --kill-on-invalid-dep=yes "${short[@]}" \
  "$root/slurm/array_merge.sbatch" "$work/swept.h5" 3)
array_fails=$(submit array_fails --array=0-1 "${short[@]}" --nodes=1 --ntasks-per-node=1 --cpus-per-task=1 \
  --output="$work/array_fails-%a.out" "$root/slurm/array.sbatch" "$work/fails.toml" "$work/fails_swept.h5" --progress none)
array_fails_merge=$(submit array_fails_merge --dependency=afterok:"$array_fails" --kill-on-invalid-dep=yes \
  "${short[@]}" "$root/slurm/array_merge.sbatch" "$work/fails_swept.h5" 2)
killed=$(submit killed "${short[@]}" --nodes=2 --ntasks-per-node=2 --cpus-per-task=1 \
  "$root/slurm/multi_node.sbatch" "$work/kill.toml" --out "$work/killed.h5" --progress none --json)
crashed=$(submit crashed "${short[@]}" --nodes=2 --ntasks-per-node=2 --cpus-per-task=1 \
  "$root/slurm/multi_node.sbatch" "$work/crash.toml" --out "$work/crashed.h5" --progress none --no-rank0-tasks)
deadline=$(submit deadline --time=00:01:00 --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 \
  "$root/slurm/single_node.sbatch" "$work/long.toml" --out "$work/deadline.h5" --progress none --grace 40 --json)
badjob=$(submit badjob "${short[@]}" --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 \
  "$root/slurm/multi_node.sbatch" "$work/no_such_job.toml" --out "$work/badjob.h5")
if [ -n "$has_python" ]; then
  printf '#!/bin/bash\nsrun -n 3 /usr/bin/python3 -m rankpool "%s" "%s"\n' "$here/python_map.py" \
    "$work/python_map.txt" >"$work/python_map.sbatch"
  python_map=$(PYTHONPATH=$build/python submit python_map "${short[@]}" --nodes=2 --ntasks=3 --cpus-per-task=1 \
    "$work/python_map.sbatch")
fi
if [ -n "$has_slurm_command" ]; then
  "$rankpool" slurm "$work/mandel.toml" --nodes 2 --ntasks-per-node 2 --cpus-per-task 1 --time 00:05:00 \
    --partition local --out "$work/generated.h5" >"$work/generated.sbatch"
  "$rankpool" slurm "$work/mandel.toml" --nodes 1 --ntasks-per-node 2 --time 00:05:00 --array 2 \
    --out "$work/generated_array.h5" >"$work/generated_array.sbatch"
  generated=$(sbatch --parsable --output="$work/generated.out" "$work/generated.sbatch")
  # From $work: the merge job that element 0 submits logs to its working directory.
  generated_array=$(cd "$work" && sbatch --parsable --output="$work/generated_array-%a.out" \
    "$work/generated_array.sbatch")
fi
squeue -o '%.4i %.14j %.9T %.6D %R'

# Kill worker rank 3 of the `killed` job 1 s into its run (PMIX_RANK: srun's rank).
(
  for ((i = 0; i < 600; ++i)); do
    [ -e "$work/killed.h5.status.json" ] && break
    sleep 0.2
  done
  sleep 1
  for pid in $(pgrep -f "killed.h5"); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'PMIX_RANK=3'; then
      echo "  (killing rank 3 of job $killed: pid $pid)"
      kill -KILL "$pid"
    fi
  done
) &
killer=$!

# ---- results ----
echo "single_node.sbatch:"
wait_job "$single" 90 || true
report single "$single"
expect_job single "$single" COMPLETED 0:0
check "single: /results equal the mpirun run" same_results "$work/single.h5" "$work/ref_mandel.h5"
single_hosts=$(hosts_of "$work/single.h5")
check "single: 2 ranks on one node ($single_hosts)" [ "$single_hosts" = "n1 n1 " -o "$single_hosts" = "n2 n2 " ]
check "single: 1 thread per rank from the allocation" grep -q "2 ranks x 1 threads" "$work/single.out"

echo "multi_node.sbatch (srun --mpi=pmix):"
wait_job "$multi" 90 || true
report multi "$multi"
expect_job multi "$multi" COMPLETED 0:0
check "multi: /results equal the mpirun run" same_results "$work/multi.h5" "$work/ref_mandel.h5"
check "multi: ranks on n1 and n2 (hosts attribute)" [ "$(hosts_of "$work/multi.h5")" = "n1 n1 n2 n2 " ]
expect_slurm_attributes multi "$work/multi.h5" "$multi" "n[1-2]"

echo "multi_node.sbatch (RANKPOOL_LAUNCHER=mpirun):"
wait_job "$multi_mpirun" 90 || true
report multi_mpirun "$multi_mpirun"
expect_job multi_mpirun "$multi_mpirun" COMPLETED 0:0
check "multi_mpirun: /results equal the mpirun run" same_results "$work/multi_mpirun.h5" "$work/ref_mandel.h5"
check "multi_mpirun: ranks on n1 and n2" [ "$(hosts_of "$work/multi_mpirun.h5")" = "n1 n1 n2 n2 " ]

echo "multi_node.sbatch, failing tasks:"
wait_job "$fails" 90 || true
report fails "$fails"
expect_job fails "$fails" FAILED 3:0
check "fails: run file status 'failed'" [ "$("${h5check[@]}" attr "$work/fails.h5" status)" = failed ]
check "fails: 28 failed tasks recorded" [ "$("${h5check[@]}" attr "$work/fails.h5" failed)" = 28 ]

echo "array.sbatch + array_merge.sbatch:"
for index in 0 1 2; do
  wait_job "${array}_$index" 90 || true
  cp "$work/array-$index.out" "$work/array_$index.out" 2>/dev/null || true
  report "array_$index" "${array}_$index"
  expect_job "array_$index" "${array}_$index" COMPLETED 0:0
  check "array $index: part $index of 3 into swept.$index.h5" \
    [ "$("${h5check[@]}" attr "$work/swept.$index.h5" shard)" = "$index/3" ]
done
wait_job "$array_merge" 90 || true
report array_merge "$array_merge"
expect_job array_merge "$array_merge" COMPLETED 0:0
check "array_merge: /results equal the mpirun run" same_results "$work/swept.h5" "$work/ref_mandel.h5"
check "array_merge: status complete" [ "$("${h5check[@]}" attr "$work/swept.h5" status)" = complete ]
echo "array.sbatch with failing tasks + array_merge.sbatch:"
for index in 0 1; do
  wait_job "${array_fails}_$index" 90 || true
  expect_job "array_fails_$index" "${array_fails}_$index" FAILED 3:0
done
wait_job "$array_fails_merge" 60 || true
echo "array_fails_merge (job $array_fails_merge): JobState=$(field "$array_fails_merge" JobState) Reason=$(field "$array_fails_merge" Reason)"
check "array_fails_merge: CANCELLED, afterok never satisfied" [ "$(field "$array_fails_merge" JobState)" = CANCELLED ]
check "array_fails_merge: nothing merged" [ ! -e "$work/fails_swept.h5" ]

echo "multi_node.sbatch, a worker killed mid-run:"
wait "$killer" || true
wait_job "$killed" 120 || true
report killed "$killed"
expect_job killed "$killed" COMPLETED 0:0
check "killed: /results equal the mpirun run" same_results "$work/killed.h5" "$work/ref_kill.h5"
# Slurm's PMIx plugin may abort the step when a task dies: then the script resumed it in a
# new step; else rankpool finished in the step and names the lost rank.
check "killed: rank 3 named lost in the summary, or the step resumed" \
  grep -qE '"rank":3,"reason":"[^"]*","seconds":[0-9.e+-]*,"what":"lost"|resuming in a new step' "$work/killed.out"
check "killed: run file status complete" [ "$("${h5check[@]}" attr "$work/killed.h5" status)" = complete ]

echo "multi_node.sbatch, a task that crashes its worker:"
wait_job "$crashed" 120 || true
report crashed "$crashed"
expect_job crashed "$crashed" FAILED 3:0
check "crashed: exactly one task failed" [ "$("${h5check[@]}" attr "$work/crashed.h5" failed)" = 1 ]
"$rankpool" table "$work/crashed.h5" --failed --csv >"$work/crashed.csv"
check "crashed: task 700 quarantined after crashing two workers" grep -q '^700,.*crashed its worker twice' "$work/crashed.csv"

echo "single_node.sbatch, the allocation's end as the deadline:"
wait_job "$deadline" 120 || true
report deadline "$deadline"
expect_job deadline "$deadline" FAILED 4:0
check "deadline: rankpool stopped for the deadline" grep -q '"deadline_reached":true' "$work/deadline.out"
check "deadline: run file status interrupted" [ "$("${h5check[@]}" attr "$work/deadline.h5" status)" = interrupted ]

echo "multi_node.sbatch, missing job file:"
wait_job "$badjob" 90 || true
report badjob "$badjob"
expect_job badjob "$badjob" FAILED 2:0
check "badjob: nothing written" [ ! -e "$work/badjob.h5" ]

if [ -n "$has_python" ]; then
  echo "python3 -m rankpool under srun -n 3:"
  wait_job "$python_map" 90 || true
  report python_map "$python_map"
  expect_job python_map "$python_map" COMPLETED 0:0
  check "python_map: rankpool.size() is 3" grep -qx "size 3" "$work/python_map.txt"
  check "python_map: the map's values right" grep -qx "squares ok" "$work/python_map.txt"
  ran=$(sed -n 's/^ran //p' "$work/python_map.txt" 2>/dev/null | tr '\n' ' ' || true)
  check "python_map: ranks 0, 1 on n1 and 2 on n2 ran calls (${ran:-none})" [ "$ran" = "0 n1 1 n1 2 n2 " ]
else
  echo "python3 -m rankpool under srun: no Python package in $build/python (or no cloudpickle): skipped"
fi

echo "walltime_requeue.sbatch:"
wait_job "$walltime" 150 || true
wait "$raise_limit" || true
report walltime "$walltime"
expect_job walltime "$walltime" COMPLETED 0:0
check "walltime: requeued once (Restarts=1)" [ "$(field "$walltime" Restarts)" = 1 ]
check "walltime: SLURM's wall-time SIGTERM reached the script" grep -q "wall time nearly up" "$work/walltime.out"
check "walltime: rankpool stopped (INTERRUPTED, exit 4), the job was requeued" \
  grep -q "exited with 4; requeueing job $walltime" "$work/walltime.out"
check "walltime: the rerun added --resume" grep -q "run 2 on .* --resume" "$work/walltime.out"
before=$(sed -n 's/.*1600 tasks (\([0-9]*\) done before, \([0-9]*\) ran now).*/\1 \2/p' "$work/walltime.out" | tail -1)
resumed_ok() { [ -n "$before" ] && [ "${before% *}" -gt 0 ] && [ $((${before% *} + ${before#* })) -eq 1600 ]; }
check "walltime: the rerun ran only what was left (done before, ran now: ${before:-none})" resumed_ok
check "walltime: /results equal the mpirun run" same_results "$work/walltime.h5" "$work/ref_long.h5"
if [ -n "$has_slurm_command" ]; then
  check "walltime: SLURM_RESTART_COUNT attribute = 1" \
    [ "$("${h5check[@]}" attr "$work/walltime.h5" SLURM_RESTART_COUNT)" = 1 ]
fi

if [ -n "$has_slurm_command" ]; then
  echo "rankpool slurm (generated script):"
  wait_job "$generated" 90 || true
  report generated "$generated"
  expect_job generated "$generated" COMPLETED 0:0
  check "generated: partition local" [ "$(field "$generated" Partition)" = local ]
  check "generated: /results equal the mpirun run" same_results "$work/generated.h5" "$work/ref_mandel.h5"
  check "generated: ranks on n1 and n2" [ "$(hosts_of "$work/generated.h5")" = "n1 n1 n2 n2 " ]
  expect_slurm_attributes generated "$work/generated.h5" "$generated" "n[1-2]"
  echo "rankpool slurm --array 2:"
  for index in 0 1; do
    wait_job "${generated_array}_$index" 90 || true
    cp "$work/generated_array-$index.out" "$work/generated_array_$index.out" 2>/dev/null || true
    report "generated_array_$index" "${generated_array}_$index"
    expect_job "generated_array_$index" "${generated_array}_$index" COMPLETED 0:0
    check "generated array $index: ran shard $index/2" grep -q -- "--shard $index/2" "$work/generated_array_$index.out"
    check "generated array $index: SLURM_ARRAY_TASK_ID attribute = $index" \
      [ "$("${h5check[@]}" attr "$work/generated_array.$index.h5" SLURM_ARRAY_TASK_ID)" = "$index" ]
  done
  generated_merge=$(sed -n 's/^rankpool: merge job \([0-9]*\) runs after.*/\1/p' "$work/generated_array_0.out")
  check "generated array: element 0 submitted the merge job (${generated_merge:-none})" [ -n "$generated_merge" ]
  if [ -n "$generated_merge" ]; then
    wait_job "$generated_merge" 90 || true
    cp "$work/rankpool-merge-$generated_merge.out" "$work/generated_merge.out" 2>/dev/null || true
    report generated_merge "$generated_merge"
    expect_job generated_merge "$generated_merge" COMPLETED 0:0
    # The dependency is gone from `scontrol show job` once satisfied: compare times instead.
    last_end=$(printf '%s\n' "$(field "${generated_array}_0" EndTime)" "$(field "${generated_array}_1" EndTime)" | sort | tail -1)
    merge_start=$(field "$generated_merge" StartTime)
    check "generated merge: started ($merge_start) once both elements had ended ($last_end)" \
      [ ! "$merge_start" \< "$last_end" ]
    check "generated merge: /results equal the mpirun run" same_results "$work/generated_array.h5" "$work/ref_mandel.h5"
  fi
  set +e
  "$rankpool" slurm "$work/mandel.toml" --time 1:99:00 >/dev/null 2>"$work/badtime.err"
  status=$?
  set -e
  check "rankpool slurm --time 1:99:00 refused with exit 2 ($(cat "$work/badtime.err"))" [ "$status" -eq 2 ]
else
  echo "rankpool slurm: not in this binary (the cli.cpp patch is not applied): skipped"
fi

echo "$failures check(s) failed"
[ "$failures" -eq 0 ]
