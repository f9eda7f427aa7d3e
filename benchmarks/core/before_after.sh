#!/usr/bin/env bash
# A change measured against the code before it: the engine's figures of a build of the
# earlier commit and of this one, run in alternation on this machine so that both sides
# meet the same load, with raw MPI request/reply beside them in every round.
#
#   benchmarks/core/before_after.sh BEFORE_BUILD AFTER_BUILD [ROUNDS]   (default 3 rounds)
#
# Each build dir must hold benchmarks/noop/rankpool_noop_bench; AFTER_BUILD also
# benchmarks/roundtrip/raw_mpi_roundtrip. Per round and side, under `mpirun -n 2`:
#   chunk1    CHUNK1_TASKS (default 500,000) no-op tasks, one per chunk, 1 thread per rank
#   auto      AUTO_TASKS (default 20,000,000) no-op tasks, chunk auto, 1 thread per rank
#   lognormal SPIN_TASKS (default 2,000) tasks spinning lognormal durations (mean 1 ms,
#             sigma 1, seed 1), chunk auto: efficiency = busy / (cores x makespan)
# Prints each figure's median and range per side, and the after/before ratio of the
# medians; every JSON line goes to $OUT_DIR/before_after.jsonl (default benchmarks/out/).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/benchmarks/lib.sh"
[[ $# -ge 2 ]] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
before="$(resolve_build before_after.sh "$1")" || exit 2
after="$(resolve_build before_after.sh "$2")" || exit 2
rounds="${3:-3}"
raw="$after/benchmarks/roundtrip/raw_mpi_roundtrip"
for exe in "$before/benchmarks/noop/rankpool_noop_bench" "$after/benchmarks/noop/rankpool_noop_bench" "$raw"; do
  [[ -x "$exe" ]] || { echo "before_after.sh: missing $exe (build the benchmarks first)" >&2; exit 2; }
done
out_dir="${OUT_DIR:-$repo/benchmarks/out}"
mkdir -p "$out_dir"
jsonl="$out_dir/before_after.jsonl"
: >"$jsonl"
source "$repo/tools/env.sh"
mpirun_=(mpirun --oversubscribe --bind-to none -n 2)
CHUNK1_TASKS="${CHUNK1_TASKS:-500000}"
AUTO_TASKS="${AUTO_TASKS:-20000000}"
SPIN_TASKS="${SPIN_TASKS:-2000}"

# measure SIDE FIGURE ROUND COMMAND...: the command's JSON line, labelled, into $jsonl.
measure() {
  local side="$1" figure="$2" round="$3" json
  shift 3
  json="$(timeout --kill-after=10 300 "$@" 2>/dev/null | grep -m1 '^{"')"
  [[ -n "$json" ]] || { echo "before_after.sh: $side $figure round $round failed: $*" >&2; return 1; }
  echo "{\"side\":\"$side\",\"figure\":\"$figure\",\"round\":$round,${json#\{}" >>"$jsonl"
}

echo "before_after.sh: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), $rounds rounds"
echo "  before: $before"
echo "  after:  $after"
for ((round = 1; round <= rounds; ++round)); do
  measure raw chunk1 "$round" "${mpirun_[@]}" "$raw" --tasks "$CHUNK1_TASKS"
  # Alternate which side goes first, so neither always meets the other's leftovers.
  sides=(before after)
  ((round % 2 == 0)) && sides=(after before)
  for side in "${sides[@]}"; do
    bench="${!side}/benchmarks/noop/rankpool_noop_bench"
    measure "$side" chunk1 "$round" "${mpirun_[@]}" "$bench" --chunk 1 --threads 1 --tasks "$CHUNK1_TASKS"
    measure "$side" auto "$round" "${mpirun_[@]}" "$bench" --chunk auto --threads 1 --tasks "$AUTO_TASKS"
    measure "$side" lognormal "$round" "${mpirun_[@]}" "$bench" --chunk auto --threads 1 --tasks "$SPIN_TASKS" \
      --spin-us 1000 --sigma 1 --seed 1
  done
  echo "  round $round done"
done

/usr/bin/python3 - "$jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def values(side, figure):
    out = []
    for r in rows:
        if r["side"] == side and r["figure"] == figure:
            if figure == "lognormal":
                cores = r.get("cores") or r.get("ranks", 2) * r.get("threads", 1)
                out.append(r["efficiency"] if "efficiency" in r else r["busy_seconds"] / (cores * r["seconds"]))
            else:
                out.append(r["tasks_per_s"])
    return out
print(f"{'figure':<10} {'side':<7} {'median':>14} {'range':>27}  after/before")
for figure, unit in (("chunk1", "tasks/s"), ("auto", "tasks/s"), ("lognormal", "efficiency")):
    medians = {}
    for side in ("raw", "before", "after"):
        v = values(side, figure)
        if not v:
            continue
        medians[side] = statistics.median(v)
        fmt = "{:,.3f}" if figure == "lognormal" else "{:,.0f}"
        rng = f"{fmt.format(min(v))} .. {fmt.format(max(v))}"
        ratio = ""
        if side == "after" and medians.get("before"):
            ratio = f"{medians['after'] / medians['before']:.3f}"
        print(f"{figure:<10} {side:<7} {fmt.format(medians[side]):>14} {rng:>27}  {ratio}")
PY
