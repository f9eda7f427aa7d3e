#!/usr/bin/env bash
# Strong and weak scaling of one job over a grid of ranks x threads, then an HTML report.
#
#   benchmarks/scaling/run_scaling.sh [BUILD_DIR] [JOB] [--grid "1x1 1x2 2x1"] [--out DIR]
#                                     [--no-weak] [--set params.KEY=VALUE ...] [-- RUN ARGS...]
#
# BUILD_DIR (default build) holds apps/rankpool; JOB (default jobs/synthetic_imbalanced.toml)
# is any job file. The default grid is every R x T with R, T powers of two and R*T a power
# of two up to `nproc` (1x1 1x2 2x1 on 2 cores).
#   strong: the same job on every configuration;
#   weak:   params.tasks = (the job's task count) x (R*T) — only for apps with a `tasks`
#           parameter (synthetic); skipped otherwise or with --no-weak.
# --set is passed to every run (e.g. --set params.max_iterations=20000); arguments after
# `--` go to `rankpool run` as they are (e.g. -- --chunk guided).
# Output (default benchmarks/out/scaling): strong/RxT.{h5,json,log}, weak/RxT.{h5,json,log},
# runs.jsonl (every --json summary with "mode", "config", "cores"), scaling.json (both
# tables), and report/index.html from tools/report/rankpool_report.py on the strong runs.
# TIMEOUT (s, default 600) bounds each run. Exit 0 when every run and the report succeeded.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py=/usr/bin/python3
positional=()
grid=""
out_dir=""
weak=1
sets=()
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --grid) grid="${2:?--grid needs a value like \"1x1 1x2 2x1\"}"; shift 2 ;;
    --grid=*) grid="${1#--grid=}"; shift ;;
    --out) out_dir="${2:?--out needs a folder}"; shift 2 ;;
    --out=*) out_dir="${1#--out=}"; shift ;;
    --no-weak) weak=0; shift ;;
    --set) sets+=(--set "${2:?--set needs params.KEY=VALUE}"); shift 2 ;;
    --set=*) sets+=(--set "${1#--set=}"); shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run_scaling.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
[[ ${#positional[@]} -le 2 ]] || { echo "run_scaling.sh: too many arguments (see --help)" >&2; exit 2; }

source "$repo/benchmarks/lib.sh"
build="$(resolve_build run_scaling.sh "${positional[0]:-build}")" || exit 2
rankpool="$(require_rankpool run_scaling.sh "$build")" || exit 2
job="${positional[1]:-$repo/jobs/synthetic_imbalanced.toml}"
if [[ ! -f "$job" && -f "$repo/$job" ]]; then job="$repo/$job"; fi
[[ -f "$job" ]] || { echo "run_scaling.sh: no job file '$job'" >&2; exit 2; }
job="$(cd "$(dirname "$job")" && pwd)/$(basename "$job")"

cores_avail="$(nproc)"
if [[ -z "$grid" ]]; then
  for ((c = 1; c <= cores_avail; c *= 2)); do
    for ((t = c; t >= 1; t /= 2)); do grid+="$((c / t))x$t "; done
  done
fi
read -r -a configs <<<"$grid"
for cfg in "${configs[@]}"; do
  [[ "$cfg" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || { echo "run_scaling.sh: bad grid entry '$cfg' (want RxT, e.g. 2x1)" >&2; exit 2; }
done

out_dir="${out_dir:-$repo/benchmarks/out/scaling}"
mkdir -p "$out_dir/strong" "$out_dir/weak"
[[ -e "$repo/benchmarks/out/.gitignore" ]] || { mkdir -p "$repo/benchmarks/out" && echo '*' >"$repo/benchmarks/out/.gitignore"; }
out_dir="$(cd "$out_dir" && pwd)"
jsonl="$out_dir/runs.jsonl"
: >"$jsonl"

source "$repo/tools/env.sh"
mpirun_=(mpirun --bind-to none --oversubscribe)
timeout_s="${TIMEOUT:-600}"

# The job's task count, and whether its app takes params.tasks (for weak scaling).
dry="$("$rankpool" run "$job" "${sets[@]}" "${extra[@]}" --dry-run 2>&1)" || {
  echo "run_scaling.sh: the job does not validate: $dry" >&2; exit 2; }
base_tasks="$(sed -n '1s/^[^:]*: \([0-9][0-9]*\) tasks.*/\1/p' <<<"$dry")"
if [[ $weak == 1 ]] && ! "$rankpool" run "$job" "${sets[@]}" "${extra[@]}" --set "params.tasks=${base_tasks:-1}" \
  --dry-run >/dev/null 2>&1; then
  echo "run_scaling.sh: the job's app has no params.tasks: weak scaling skipped"
  weak=0
fi

echo "run_scaling.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); job $job ($base_tasks tasks);" \
  "grid ${configs[*]}; output $out_dir"
failures=0
# run_one MODE R T [ARGS...]: one run, its summary appended to runs.jsonl.
run_one() {
  local mode="$1" r="$2" t="$3"
  shift 3
  local stem="$out_dir/$mode/${r}x${t}"
  printf '%-6s %-6s ' "$mode" "${r}x${t}"
  timeout --kill-after=10 "$timeout_s" "${mpirun_[@]}" -n "$r" "$rankpool" run "$job" --threads "$t" \
    --out "$stem.h5" --force --json --progress none "${sets[@]}" "$@" "${extra[@]}" >"$stem.json" 2>"$stem.log"
  local rc=$? line
  line="$(grep -m1 '^{' "$stem.json")"
  if [[ $rc -ne 0 || -z "$line" ]]; then
    echo "FAILED (exit $rc) - see $stem.log"
    tail -3 "$stem.log" | sed 's/^/    /'
    failures=$((failures + 1))
    return 1
  fi
  echo "{\"mode\":\"$mode\",\"config\":\"${r}x${t}\",\"cores\":$((r * t)),${line#\{}" >>"$jsonl"
  "$py" -c 'import json,sys; d=json.loads(sys.argv[1]); print("{:>10,} tasks {:8.3f} s  busy efficiency {:.3f}".format(d["tasks"], d["seconds"], d["efficiency"]))' "$line"
}

strong_files=()
for cfg in "${configs[@]}"; do
  r="${cfg%x*}" t="${cfg#*x}"
  run_one strong "$r" "$t" && strong_files+=("$out_dir/strong/$cfg.h5")
done
if [[ $weak == 1 ]]; then
  for cfg in "${configs[@]}"; do
    r="${cfg%x*}" t="${cfg#*x}"
    run_one weak "$r" "$t" --set "params.tasks=$((base_tasks * r * t))"
  done
fi
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

"$py" - "$jsonl" "$out_dir/scaling.json" <<'EOF'
import json
import sys

runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
result = {}
for mode in ("strong", "weak"):
    rows = [r for r in runs if r["mode"] == mode]
    if not rows:
        continue
    base_cores = min(r["cores"] for r in rows)
    base = min((r for r in rows if r["cores"] == base_cores), key=lambda r: r["seconds"])
    table = []
    if mode == "strong":
        print(f"strong scaling (same job; speed-up = T({base['config']}) / T; scaling efficiency = speed-up / core ratio)")
    else:
        print(f"weak scaling (tasks x cores; scaling efficiency = T({base['config']}) / T, ideal 1)")
    print(f"{'R x T':>6} {'cores':>5} {'tasks':>10} {'seconds':>9} {'speed-up':>9} {'scaling eff':>11} {'busy eff':>9}")
    for r in sorted(rows, key=lambda r: (r["cores"], r["ranks"])):
        ratio = r["cores"] / base["cores"]
        if mode == "strong":
            speedup = base["seconds"] / r["seconds"]
            eff = speedup / ratio
        else:
            speedup = base["seconds"] / r["seconds"] * ratio  # work rate over the baseline's
            eff = base["seconds"] / r["seconds"]
        table.append({"config": r["config"], "ranks": r["ranks"], "threads_per_rank": r["threads_per_rank"],
                      "cores": r["cores"], "tasks": r["tasks"], "seconds": r["seconds"], "speedup": speedup,
                      "scaling_efficiency": eff, "busy_efficiency": r["efficiency"]})
        print(f"{r['config']:>6} {r['cores']:>5} {r['tasks']:>10,} {r['seconds']:>9.3f} {speedup:>9.2f} "
              f"{eff:>11.3f} {r['efficiency']:>9.3f}")
    print()
    result[mode] = {"baseline": base["config"], "rows": table}
with open(sys.argv[2], "w") as f:
    json.dump(result, f, indent=2)
EOF

if [[ ${#strong_files[@]} -ge 1 ]]; then
  "$py" "$repo/tools/report/rankpool_report.py" "${strong_files[@]}" --out "$out_dir/report" || failures=$((failures + 1))
fi
echo "tables: $out_dir/scaling.json; report: $out_dir/report/index.html"
if [[ $failures -gt 0 ]]; then
  echo "run_scaling.sh: $failures step(s) failed; see the logs in $out_dir" >&2
  exit 1
fi
