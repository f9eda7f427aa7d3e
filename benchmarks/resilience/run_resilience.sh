#!/usr/bin/env bash
# What the handling of late ranks and the cost order buy, each against a baseline of the
# same run (docs/RELIABILITY.md, "A rank dies, freezes or crashes"):
#
#   benchmarks/resilience/run_resilience.sh [BUILD_DIR] [ROUNDS]   (default: build, 3 rounds)
#
#   frozen   FROZEN_TASKS (default 6,000) sleep tasks of 1 ms on 3 ranks (mpirun
#            --enable-recovery): healthy; rank 2 frozen (SIGSTOP) from half the healthy
#            makespan to the end of the run, speculation on; the same with
#            --no-speculation. Figure: makespan over the healthy run's (goal <= 1.3).
#   cost     an nbody sweep with a 64x spread of task cost (bodies 128..1024 x three
#            softenings, NBODY_STEPS steps, default 600) on 2 ranks x 1 thread, chunk 1, in
#            index order (--task-order) and in cost order. Figure: makespan over
#            max(biggest task, total task time / cores), both from the run's own /timing.
# Medians over the rounds (the runs alternate); JSON lines in
# $OUT_DIR/resilience.jsonl (default benchmarks/out/).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/benchmarks/lib.sh"
build="$(resolve_build run_resilience.sh "${1:-build}")" || exit 2
rankpool="$(require_rankpool run_resilience.sh "$build")" || exit 2
rounds="${2:-3}"
out_dir="${OUT_DIR:-$repo/benchmarks/out}"
mkdir -p "$out_dir"
jsonl="$out_dir/resilience.jsonl"
: >"$jsonl"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
py=/usr/bin/python3
source "$repo/tools/env.sh"
FROZEN_TASKS="${FROZEN_TASKS:-6000}"
NBODY_STEPS="${NBODY_STEPS:-600}"

cat >"$scratch/sleep.toml" <<EOF
app = "synthetic"
[params]
tasks = $FROZEN_TASKS
duration_us = 1000
work = "sleep"
EOF
cat >"$scratch/nbody.toml" <<EOF
app = "nbody"
[params]
steps = $NBODY_STEPS
[sweep]
bodies = [128, 256, 512, 1024]
softening = [0.01, 0.02, 0.05]
[schedule]
chunk = 1
EOF

# record FIGURE CASE ROUND LOG [EXTRA_JSON]: the run's summary line, labelled.
record() {
  local json
  json="$(grep -m1 '^{"' "$4")"
  [[ -n "$json" ]] || { echo "run_resilience.sh: $1 $2 round $3 failed:" >&2; tail -3 "$4" >&2; return 1; }
  echo "{\"figure\":\"$1\",\"case\":\"$2\",\"round\":$3${5:+,$5},${json#\{}" >>"$jsonl"
}

# rank_pid OUTPUT RANK: the pid of that rank of the run writing OUTPUT.
rank_pid() {
  local p
  for p in $(pgrep -f "rankpool run .*$1"); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
      echo "$p"
      return
    fi
  done
}

# frozen CASE ROUND FREEZE_AT [FLAGS...]: the sleep job on 3 ranks; with FREEZE_AT > 0,
# rank 2 is stopped that many seconds after the run file appears, until rank 0 has
# printed its summary.
frozen() {
  local case="$1" round="$2" freeze_at="$3"
  shift 3
  local out="$scratch/$case.h5" log="$scratch/$case.log" victim=""
  rm -f "$out" "$out.status.json"
  mpirun --enable-recovery --oversubscribe --bind-to none -n 3 "$rankpool" run "$scratch/sleep.toml" \
    --progress none --json --out "$out" "$@" >"$log" 2>&1 &
  local job=$!
  if [[ $freeze_at != 0 ]]; then
    for ((i = 0; i < 600; ++i)); do
      [[ -e "$out.status.json" ]] && break
      sleep 0.02
    done
    sleep "$freeze_at"
    victim="$(rank_pid "$out" 2)"
    [[ -n $victim ]] && kill -STOP "$victim"
    for ((i = 0; i < 2400; ++i)); do
      grep -q '^{"' "$log" && break
      sleep 0.05
    done
    [[ -n $victim ]] && kill -CONT "$victim"
  fi
  wait "$job"
  record frozen "$case" "$round" "$log" "\"freeze_at\":$freeze_at"
}

# cost CASE ROUND [FLAGS...]: the nbody sweep on 2 ranks, with the bound from its /timing.
cost() {
  local case="$1" round="$2"
  shift 2
  local out="$scratch/$case.h5" log="$scratch/$case.log" bound
  rm -f "$out"
  mpirun --bind-to none -n 2 "$rankpool" run "$scratch/nbody.toml" --threads 1 --progress none --json \
    --out "$out" "$@" >"$log" 2>&1
  bound="$("$py" - "$out" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    t = f["timing/seconds"][()]
    cores = int(f.attrs["ranks"]) * int(f.attrs["threads_per_rank"])
print('"biggest_task":%.6f,"total_task_seconds":%.6f,"cores":%d' % (t.max(), t.sum(), cores))
PY
)"
  record cost "$case" "$round" "$log" "$bound"
}

echo "run_resilience.sh: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), $rounds rounds, $build"
for ((round = 1; round <= rounds; ++round)); do
  frozen healthy "$round" 0
  half="$("$py" -c "import json,sys; rows=[json.loads(l) for l in open(sys.argv[1])]; \
print('%.2f' % (0.5 * [r for r in rows if r['case'] == 'healthy'][-1]['seconds']))" "$jsonl")"
  frozen frozen_speculation "$round" "$half"
  frozen frozen_no_speculation "$round" "$half" --no-speculation
  cost index_order "$round" --task-order
  cost cost_order "$round"
  echo "  round $round done"
done

"$py" - "$jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def med(figure, case, key="seconds"):
    v = [r[key] for r in rows if r["figure"] == figure and r["case"] == case]
    return statistics.median(v), min(v), max(v)
healthy = med("frozen", "healthy")
print(f"frozen rank ({rows[0]['tasks']} sleep tasks of 1 ms, 3 ranks; median, range of makespan in s):")
print(f"  healthy                       {healthy[0]:7.3f}  ({healthy[1]:.3f} .. {healthy[2]:.3f})")
for case in ("frozen_speculation", "frozen_no_speculation"):
    m = med("frozen", case)
    spec = statistics.median([r["speculative_chunks"] for r in rows if r.get("case") == case])
    lost = statistics.median([r["lost_ranks"] for r in rows if r.get("case") == case])
    print(f"  {case:<29} {m[0]:7.3f}  ({m[1]:.3f} .. {m[2]:.3f})  {m[0] / healthy[0]:.2f}x healthy,"
          f" median {spec:g} speculative chunks, {lost:g} lost ranks")
print("cost spread (nbody 128..1024 bodies x 3 softenings, 2 ranks x 1 thread, chunk 1):")
for case in ("index_order", "cost_order"):
    sel = [r for r in rows if r["figure"] == "cost" and r["case"] == case]
    ratios = [r["seconds"] / max(r["biggest_task"], r["total_task_seconds"] / r["cores"]) for r in sel]
    m = med("cost", case)
    print(f"  {case:<12} makespan {m[0]:7.3f} s ({m[1]:.3f} .. {m[2]:.3f}); over max(biggest, total/cores):"
          f" median {statistics.median(ratios):.3f} ({min(ratios):.3f} .. {max(ratios):.3f})")
PY
