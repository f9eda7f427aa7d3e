#!/usr/bin/env bash
# METG sweep: the minimum effective task granularity at which rankpool keeps its cores busy.
#
#   benchmarks/metg/run_metg.sh [BUILD_DIR]          (default: build)
#
# Synthetic spin tasks of a fixed duration d (1, 2, 5, 10, ... 10000 us), for chunk 1 and
# chunk auto, `mpirun -n 2` with 1 thread per rank, through `rankpool run --json`.
# efficiency(d) = busy_seconds / (cores x seconds) from the JSON summary; METG(x) is the
# smallest d whose efficiency reaches x, interpolated in log d between the sweep point
# below x and the first point at or above it. The "sustained" variant starts after the last
# point below x (every longer duration stays at or above x), which a noisy dip cannot fool.
#
# Each point runs tasks = TARGET_S x cores / d (default TARGET_S 0.75: ~0.75 s if the
# cores were fully busy), at least MIN_TASKS (200); chunk 1 is capped at CHUNK1_MAX_TASKS
# (default 40000) so its overhead-bound short-task points also stay near a second.
# Environment: DURATIONS (list, us), POLICIES (default "1 auto"), RANKS (2), THREADS (1),
# OUT_DIR (default benchmarks/out/metg), TIMEOUT (s per run, default 120), KEEP_H5=1;
# ANALYSE_ONLY=1 redoes the tables and plot from an existing OUT_DIR/runs.jsonl.
# Writes OUT_DIR/metg.json (every point and METG(50%), METG(90%) per policy),
# OUT_DIR/metg.png, OUT_DIR/runs.jsonl and OUT_DIR/logs/. Exit 0 when every run succeeded.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py=/usr/bin/python3
source "$repo/benchmarks/lib.sh"
build="$(resolve_build run_metg.sh "${1:-build}")" || exit 2
rankpool="$(require_rankpool run_metg.sh "$build")" || exit 2

DURATIONS="${DURATIONS:-1 2 5 10 20 50 100 200 500 1000 2000 5000 10000}"
POLICIES="${POLICIES:-1 auto}"
RANKS="${RANKS:-2}"
THREADS="${THREADS:-1}"
TARGET_S="${TARGET_S:-0.75}"
MIN_TASKS="${MIN_TASKS:-200}"
CHUNK1_MAX_TASKS="${CHUNK1_MAX_TASKS:-40000}"
timeout_s="${TIMEOUT:-120}"
out_dir="${OUT_DIR:-$repo/benchmarks/out/metg}"
mkdir -p "$out_dir/logs" "$out_dir/h5"
[[ -e "$repo/benchmarks/out/.gitignore" ]] || { mkdir -p "$repo/benchmarks/out" && echo '*' >"$repo/benchmarks/out/.gitignore"; }
out_dir="$(cd "$out_dir" && pwd)"
jsonl="$out_dir/runs.jsonl"
analyse_only="${ANALYSE_ONLY:-0}"
[[ $analyse_only == 1 && -s "$jsonl" ]] || { analyse_only=0; : >"$jsonl"; }

source "$repo/tools/env.sh"
mpirun_=(mpirun --bind-to none --oversubscribe -n "$RANKS")
cores=$((RANKS * THREADS))

echo "run_metg.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); -n $RANKS x $THREADS thread(s);" \
  "durations (us) $DURATIONS; policies $POLICIES; output $out_dir"
printf '%-6s %8s %9s %9s %10s\n' chunk 'd (us)' tasks seconds efficiency
failures=0
[[ $analyse_only == 1 ]] && POLICIES="" && echo "(ANALYSE_ONLY=1: tables and plot from the existing $jsonl)"
for policy in $POLICIES; do
  for d in $DURATIONS; do
    tasks="$("$py" -c '
import sys
d, target, cores, lo, cap, policy = sys.argv[1:]
n = max(int(lo), round(float(target) * int(cores) / (float(d) * 1e-6)))
if policy == "1":
    n = min(n, int(cap))
print(n)' "$d" "$TARGET_S" "$cores" "$MIN_TASKS" "$CHUNK1_MAX_TASKS" "$policy")"
    label="chunk${policy}_d${d}"
    h5="$out_dir/h5/$label.h5"
    log="$out_dir/logs/$label.log"
    timeout --kill-after=10 "$timeout_s" "${mpirun_[@]}" "$rankpool" run "$repo/jobs/synthetic_noop.toml" \
      --set params.tasks="$tasks" --set params.duration_us="$d" --set params.distribution=fixed \
      --set params.work=spin --chunk "$policy" --threads "$THREADS" --out "$h5" --force --json --progress none \
      >"$log" 2>&1
    rc=$?
    line="$(grep -m1 '^{' "$log")"
    [[ "${KEEP_H5:-0}" == 1 ]] || rm -f "$h5"
    if [[ $rc -ne 0 || -z "$line" ]]; then
      printf '%-6s %8s %9s  FAILED (exit %s) - see %s\n' "$policy" "$d" "$tasks" "$rc" "$log"
      failures=$((failures + 1))
      continue
    fi
    line="{\"policy\":\"$policy\",\"duration_us\":$d,${line#\{}"
    echo "$line" >>"$jsonl"
    "$py" -c 'import json,sys; r=json.loads(sys.argv[1]); print("{:<6} {:>8} {:>9} {:>9.3f} {:>10.3f}".format(r["policy"], r["duration_us"], r["tasks"], r["seconds"], r["efficiency"]))' "$line"
  done
done
[[ "${KEEP_H5:-0}" == 1 ]] || rmdir "$out_dir/h5" 2>/dev/null
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

"$py" - "$jsonl" "$out_dir" "$RANKS" "$THREADS" <<'EOF'
import json
import math
import os
import sys

jsonl, out_dir, ranks, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
points = [json.loads(line) for line in open(jsonl) if line.strip()]
policies = []
for p in points:
    if p["policy"] not in policies:
        policies.append(p["policy"])


def metg(rows, level):
    """(duration, note): the smallest d with efficiency >= level, log-interpolated."""
    rows = sorted(rows, key=lambda r: r["duration_us"])
    for i, r in enumerate(rows):
        if r["efficiency"] >= level:
            if i == 0:
                return r["duration_us"], "at or below the shortest duration swept"
            lo = rows[i - 1]
            e0, e1 = lo["efficiency"], r["efficiency"]
            l0, l1 = math.log10(lo["duration_us"]), math.log10(r["duration_us"])
            f = (level - e0) / (e1 - e0) if e1 > e0 else 1.0
            return 10 ** (l0 + f * (l1 - l0)), "interpolated"
    return None, "not reached in the sweep"


def metg_sustained(rows, level):
    """Like metg(), but from the point after the last one below `level`: the duration from
    which every longer sweep point stays at or above it (robust to a noisy dip)."""
    rows = sorted(rows, key=lambda r: r["duration_us"])
    below = [i for i, r in enumerate(rows) if r["efficiency"] < level]
    if not below:
        return (rows[0]["duration_us"], "at or below the shortest duration swept") if rows else (None, "")
    if below[-1] == len(rows) - 1:
        return None, "not reached in the sweep"
    return metg(rows[below[-1]:], level)


result = {"ranks": ranks, "threads_per_rank": threads, "cores": ranks * threads,
          "definition": "efficiency = busy_seconds / (cores x seconds); METG(x) = smallest task duration "
                        "with efficiency >= x, log-interpolated between sweep points",
          "policies": {}}
print("efficiency by task duration (rows: us; columns: chunk policy)")
print(f"{'d (us)':>8} " + " ".join(f"{'chunk ' + p:>11}" for p in policies))
durations = sorted({p["duration_us"] for p in points})
for d in durations:
    cells = []
    for pol in policies:
        r = [p for p in points if p["policy"] == pol and p["duration_us"] == d]
        cells.append(f"{r[0]['efficiency']:>11.3f}" if r else f"{'-':>11}")
    print(f"{d:>8g} " + " ".join(cells))
print()
print(f"{'chunk policy':<14} {'METG(50%)':>14} {'METG(90%)':>14} {'sustained 50%':>14} {'sustained 90%':>14}")
for pol in policies:
    rows = [p for p in points if p["policy"] == pol]
    entry = {"points": [{k: r[k] for k in ("duration_us", "tasks", "seconds", "busy_seconds", "efficiency")}
                        for r in sorted(rows, key=lambda r: r["duration_us"])]}
    cells = []
    for level, sustained in ((0.5, False), (0.9, False), (0.5, True), (0.9, True)):
        value, note = (metg_sustained if sustained else metg)(rows, level)
        key = f"metg{int(level * 100)}{'_sustained' if sustained else ''}_us"
        entry[key] = value
        entry[key + "_note"] = note
        if value is None:
            cells.append("not reached")
        elif note.startswith("at or below"):
            cells.append(f"<= {value:g} us")
        else:
            cells.append(f"{value:.3g} us")
    result["policies"][pol] = entry
    print(f"{'chunk ' + pol:<14} " + " ".join(f"{c:>14}" for c in cells))
with open(os.path.join(out_dir, "metg.json"), "w") as f:
    json.dump(result, f, indent=2)

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("run_metg.sh: matplotlib is missing (install the Debian package python3-matplotlib): no plot")
    sys.exit(0)
fig, ax = plt.subplots(figsize=(8, 5))
markers = {"1": "o", "auto": "s"}
for pol in policies:
    rows = sorted((p for p in points if p["policy"] == pol), key=lambda r: r["duration_us"])
    e = result["policies"][pol]
    m50, m90 = e["metg50_us"], e["metg90_us"]

    def shown(v, note):
        return "not reached" if v is None else f"≤ {v:g} µs" if note.startswith("at or below") else f"{v:.3g} µs"
    label = (f"chunk {pol}: METG(50%) {shown(m50, e['metg50_us_note'])}, "
             f"METG(90%) {shown(m90, e['metg90_us_note'])}")
    ax.plot([r["duration_us"] for r in rows], [r["efficiency"] for r in rows], marker=markers.get(pol, "^"),
            label=label)
ax.axhline(0.5, color="grey", linestyle="--", label="50% efficiency")
ax.axhline(0.9, color="black", linestyle=":", label="90% efficiency")
ax.set_xscale("log")
ax.set_ylim(0, 1.05)
ax.set_xlabel("task duration (µs, log scale)")
ax.set_ylabel("efficiency = busy / (cores × makespan)")
ax.set_title(f"METG sweep: synthetic spin tasks, mpirun -n {ranks}, {threads} thread(s) per rank")
ax.grid(alpha=0.3, which="both")
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(os.path.join(out_dir, "metg.png"), dpi=100)
print(f"\nwrote {os.path.join(out_dir, 'metg.json')} and {os.path.join(out_dir, 'metg.png')}")
EOF
if [[ $failures -gt 0 ]]; then
  echo "run_metg.sh: $failures run(s) failed; see $out_dir/logs/" >&2
  exit 1
fi
