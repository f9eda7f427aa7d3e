#!/usr/bin/env bash
# Same-run baselines for rankpool's throughput: raw MPI, rankpool, mpi4py.futures and
# multiprocessing, one after another on this machine, then a table of ratios. Two
# workloads: no-op tasks, and SPIN_TASKS tasks that busy-spin for lognormal durations
# (mean 1 ms, sigma 1; the same durations on every side, benchmarks/peers/workload.py),
# each side with 2 computing workers.
#
#   benchmarks/core/run_core.sh [BUILD_DIR]        (default: build)
#
# BUILD_DIR must hold benchmarks/roundtrip/raw_mpi_roundtrip and
# benchmarks/noop/rankpool_noop_bench. Every JSON line (with a "label" added) goes to
# $OUT_DIR/core.jsonl (default benchmarks/out/), each run's full output to
# $OUT_DIR/logs/<label>.log. Task counts can be overridden with RAW_TASKS, CHUNK1_TASKS,
# AUTO_TASKS, SPIN_TASKS, MPI4PY_TASKS, MP1_TASKS, MPDEF_TASKS; TIMEOUT (s) bounds each run.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/benchmarks/lib.sh"
build="$(resolve_build run_core.sh "${1:-build}")" || exit 2
raw="$build/benchmarks/roundtrip/raw_mpi_roundtrip"
noop="$build/benchmarks/noop/rankpool_noop_bench"
for exe in "$raw" "$noop"; do
  [[ -x "$exe" ]] || { echo "run_core.sh: missing $exe (build the benchmarks first)" >&2; exit 2; }
done

out_dir="${OUT_DIR:-$repo/benchmarks/out}"
mkdir -p "$out_dir/logs"
[[ -z "${OUT_DIR:-}" && ! -e "$out_dir/.gitignore" ]] && echo '*' >"$out_dir/.gitignore"
jsonl="$out_dir/core.jsonl"
: >"$jsonl"

py=/usr/bin/python3  # Debian's interpreter: it has mpi4py and numpy
peers="$repo/benchmarks/peers"
timeout_s="${TIMEOUT:-300}"
RAW_TASKS="${RAW_TASKS:-1000000}"
CHUNK1_TASKS="${CHUNK1_TASKS:-1000000}"
AUTO_TASKS="${AUTO_TASKS:-50000000}"
SPIN_TASKS="${SPIN_TASKS:-3000}"
MPI4PY_TASKS="${MPI4PY_TASKS:-20000}"
MP1_TASKS="${MP1_TASKS:-200000}"
MPDEF_TASKS="${MPDEF_TASKS:-2000000}"

export OMPI_MCA_pml=ob1
if [[ "$(id -u)" == 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
mpirun_=(mpirun --bind-to none --oversubscribe)

failures=0
# record LABEL RC: appends the JSON line of $out_dir/logs/LABEL.log (with a label) and prints it.
record() {
  local label="$1" rc="$2"
  local log="$out_dir/logs/$label.log" json
  json="$(grep -m1 '^{"benchmark"' "$log")"
  printf '%-28s ' "$label"
  if [[ $rc -ne 0 || -z "$json" ]]; then
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
      echo "TIMED OUT after ${timeout_s}s (hang?) - see $log"
    else
      echo "FAILED (exit $rc) - see $log"
    fi
    tail -5 "$log" | sed 's/^/    /'
    failures=$((failures + 1))
    [[ -n "$json" ]] || return 1
    printf '%-28s ' "  (its JSON line)"
  fi
  json="{\"label\":\"$label\",${json#\{}"
  echo "$json" >>"$jsonl"
  echo "$json" | "$py" -c "import json,sys; d=json.load(sys.stdin); print('{:>14,.0f} tasks/s {:8.3f} s  ({:,} tasks)'.format(d['tasks_per_s'], d['seconds'], d['tasks']))"
}

# run LABEL COMMAND...: runs it under a timeout, keeps its log, records its JSON line.
run() {
  local label="$1"
  shift
  timeout --kill-after=10 "$timeout_s" "$@" >"$out_dir/logs/$label.log" 2>&1
  record "$label" $?
}

# run_long LABEL TASKS ARGS...: a rankpool run with TASKS tasks; while it takes under
# 1 s, runs again (at most 3 more times) with proportionally more. The last run counts.
run_long() {
  local label="$1" tasks="$2"
  shift 2
  local log="$out_dir/logs/$label.log" rc more
  for attempt in 1 2 3 4; do
    timeout --kill-after=10 "$timeout_s" "${mpirun_[@]}" "$@" --tasks "$tasks" >"$log" 2>&1
    rc=$?
    [[ $rc -eq 0 && $attempt -lt 4 ]] || break
    more="$(grep -m1 '^{"benchmark"' "$log" | "$py" -c '
import json, math, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit()
if d["seconds"] < 1.0:
    print(int(math.ceil(d["tasks"] * 1.5 / max(d["seconds"], 1e-3) / 1e6) * 1e6))')"
    [[ -n "$more" ]] || break
    tasks="$more"
  done
  record "$label" $rc
}

echo "run_core.sh: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), build $build, output $jsonl"
run raw_mpi_roundtrip_n2 "${mpirun_[@]}" -n 2 "$raw" --tasks "$RAW_TASKS"
run raw_mpi_pingpong_n2 "${mpirun_[@]}" -n 2 "$raw" --pingpong --tasks "$RAW_TASKS"
run rankpool_chunk1_n2_t1 "${mpirun_[@]}" -n 2 "$noop" --chunk 1 --threads 1 --tasks "$CHUNK1_TASKS"
run_long rankpool_auto_n2_t1 "$AUTO_TASKS" -n 2 "$noop" --chunk auto --threads 1
run_long rankpool_auto_n1_t2 "$AUTO_TASKS" -n 1 "$noop" --chunk auto --threads 2
run rankpool_spin_n2_t1 "${mpirun_[@]}" -n 2 "$noop" --chunk auto --threads 1 --tasks "$SPIN_TASKS" \
  --spin-us 1000 --sigma 1 --seed 1
run rankpool_spin_chunk1_n2_t1 "${mpirun_[@]}" -n 2 "$noop" --chunk 1 --threads 1 --tasks "$SPIN_TASKS" \
  --spin-us 1000 --sigma 1 --seed 1
run mpi4py_futures_cs1_n2 "${mpirun_[@]}" -n 2 "$py" -m mpi4py.futures "$peers/mpi4py_futures_bench.py" \
  --tasks "$MPI4PY_TASKS" --chunksize 1
run mpi4py_futures_cs1_n3 "${mpirun_[@]}" -n 3 "$py" -m mpi4py.futures "$peers/mpi4py_futures_bench.py" \
  --tasks "$MPI4PY_TASKS" --chunksize 1
run multiprocessing_cs1_p2 "$py" "$peers/multiprocessing_bench.py" --processes 2 --tasks "$MP1_TASKS" --chunksize 1
run multiprocessing_default_p2 "$py" "$peers/multiprocessing_bench.py" --processes 2 --tasks "$MPDEF_TASKS" \
  --chunksize default
spin=(--tasks "$SPIN_TASKS" --spin-us 1000 --sigma 1 --seed 1)
# -n 3: the client on rank 0 only submits and collects; ranks 1 and 2 compute.
run mpi4py_futures_spin_n3 "${mpirun_[@]}" -n 3 "$py" -m mpi4py.futures "$peers/mpi4py_futures_bench.py" \
  --chunksize 1 "${spin[@]}"
run multiprocessing_spin_cs1_p2 "$py" "$peers/multiprocessing_bench.py" --processes 2 --chunksize 1 "${spin[@]}"
run multiprocessing_spin_default_p2 "$py" "$peers/multiprocessing_bench.py" --processes 2 --chunksize default \
  "${spin[@]}"

echo "load average after the runs: $(cut -d" " -f1-3 /proc/loadavg) (other work on this machine skews every number)"
echo
"$py" - "$jsonl" <<'EOF'
import json
import sys

rows = {}
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            d = json.loads(line)
            rows[d["label"]] = d


def rate(label):
    d = rows.get(label)
    return d["tasks_per_s"] if d else None


def ratio(a, b):
    ra, rb = rate(a), rate(b)
    return f"{ra / rb:9.3f}x" if ra and rb else "      n/a"


print(f"{'comparison (tasks/s over tasks/s)':<68} {'ratio':>10}")
print("-" * 79)
for a, b, text in [
    ("rankpool_chunk1_n2_t1", "raw_mpi_roundtrip_n2", "rankpool chunk 1 (-n 2, 1 thread) / raw MPI request-reply -n 2"),
    ("rankpool_chunk1_n2_t1", "raw_mpi_pingpong_n2", "rankpool chunk 1 (-n 2, 1 thread) / raw MPI ping-pong"),
    ("rankpool_chunk1_n2_t1", "mpi4py_futures_cs1_n2", "rankpool chunk 1 (-n 2) / mpi4py.futures chunksize 1 -n 2"),
    ("rankpool_chunk1_n2_t1", "mpi4py_futures_cs1_n3", "rankpool chunk 1 (-n 2) / mpi4py.futures chunksize 1 -n 3"),
    ("rankpool_chunk1_n2_t1", "multiprocessing_cs1_p2", "rankpool chunk 1 (-n 2) / multiprocessing chunksize 1 (2 procs)"),
    ("rankpool_auto_n2_t1", "multiprocessing_default_p2", "rankpool auto (-n 2, 1 thread) / multiprocessing default chunksize"),
    ("rankpool_auto_n1_t2", "multiprocessing_default_p2", "rankpool auto (-n 1, 2 threads) / multiprocessing default chunksize"),
]:
    print(f"{text:<68} {ratio(a, b):>10}")
spin = rows.get("rankpool_spin_n2_t1")
if spin:
    print(f"{'rankpool spin efficiency (lognormal 1000 us, sigma 1, -n 2 auto)':<68} {spin['efficiency']:10.3f}")
else:
    print(f"{'rankpool spin efficiency':<68} {'n/a':>10}")
print("lognormal spin tasks, 2 computing workers each: makespan / ideal (planned busy / 2)")
for label, text in [("rankpool_spin_n2_t1", "rankpool chunk auto, -n 2"),
                    ("rankpool_spin_chunk1_n2_t1", "rankpool chunk 1, -n 2"),
                    ("mpi4py_futures_spin_n3", "mpi4py.futures chunksize 1, -n 3 (2 workers)"),
                    ("multiprocessing_spin_cs1_p2", "multiprocessing chunksize 1, 2 processes"),
                    ("multiprocessing_spin_default_p2", "multiprocessing default chunksize, 2 processes")]:
    d = rows.get(label)
    shown = f"{d['seconds'] / d['ideal_seconds']:9.3f}x" if d and d.get("ideal_seconds") else "      n/a"
    print(f"{'  ' + text:<68} {shown:>10}")
print()
print(f"{'run':<28} {'tasks':>12} {'seconds':>9} {'tasks/s':>14}")
for label, d in rows.items():
    print(f"{label:<28} {d['tasks']:>12,} {d['seconds']:>9.3f} {d['tasks_per_s']:>14,.0f}")
EOF
if [[ $failures -gt 0 ]]; then
  echo "run_core.sh: $failures run(s) failed or timed out; see $out_dir/logs/" >&2
  exit 1
fi
