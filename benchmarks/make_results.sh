#!/usr/bin/env bash
# Every benchmark in one command, then benchmarks/out/RESULTS.generated.md: the machine,
# every figure with its target and its ratio to a baseline measured in the same run.
#
#   benchmarks/make_results.sh [BUILD_DIR]            (default: build)
#
# Steps (each one's output in OUT_DIR, default benchmarks/out/):
#   1. benchmarks/core/run_core.sh           -> core.jsonl, logs/
#   2. the Google Benchmark kernels, BUILD_DIR/benchmarks/*/*_bench that link Google
#      Benchmark, with --benchmark_format=json $BENCH_ARGS -> gbench/NAME.json
#   3. benchmarks/metg/run_metg.sh           -> metg/metg.json, metg/metg.png
#   4. benchmarks/scaling/run_scaling.sh     -> scaling/scaling.json, scaling/report/index.html
#      ($SCALING_ARGS are passed to it, e.g. SCALING_ARGS="jobs/mandelbrot.toml --set params.max_iterations=20000")
# SKIP="core gbench metg scaling" leaves steps out (their figures then read "not measured").
# Exit 0 when every step ran; missed targets are written down, they do not fail the script.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py=/usr/bin/python3
build="${1:-build}"
if [[ ! -d "$build" && -d "$repo/$build" ]]; then build="$repo/$build"; fi
build="$(cd "$build" 2>/dev/null && pwd)" || { echo "make_results.sh: no build dir '${1:-build}'" >&2; exit 2; }
out="${OUT_DIR:-$repo/benchmarks/out}"
mkdir -p "$out/gbench"
out="$(cd "$out" && pwd)"
[[ "$out" != "$repo/benchmarks/out" || -e "$out/.gitignore" ]] || echo '*' >"$out/.gitignore"
skip=" ${SKIP:-} "
BENCH_ARGS="${BENCH_ARGS:---benchmark_min_time=0.5}"
source "$repo/tools/env.sh"

failed_steps=()
step() {  # step NAME COMMAND...
  local name="$1"
  shift
  if [[ "$skip" == *" $name "* ]]; then
    echo "=== $name: skipped (SKIP)"
    return
  fi
  echo "=== $name: $*"
  local started=$SECONDS
  "$@"
  local rc=$?
  echo "=== $name: exit $rc after $((SECONDS - started)) s"
  [[ $rc -eq 0 ]] || failed_steps+=("$name (exit $rc)")
}

is_gbench() {  # a Google Benchmark program (linked dynamically or statically)
  nm -D --undefined-only "$1" 2>/dev/null | grep -q '_ZN9benchmark' || grep -qa 'benchmark_format' "$1"
}
run_gbench() {
  local rc=0 found=0
  for exe in "$build"/benchmarks/*/*_bench; do
    [[ -x "$exe" ]] && is_gbench "$exe" || continue
    found=1
    local name
    name="$(basename "$exe")"
    echo "--- $name $BENCH_ARGS"
    # shellcheck disable=SC2086
    if ! timeout 600 "$exe" --benchmark_format=json $BENCH_ARGS >"$out/gbench/$name.json" 2>"$out/gbench/$name.log"; then
      echo "$name failed - see $out/gbench/$name.log"
      rc=1
    fi
  done
  [[ $found == 1 ]] || { echo "no Google Benchmark programs in $build/benchmarks"; return 1; }
  return $rc
}

started_at="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
step core env OUT_DIR="$out" bash "$repo/benchmarks/core/run_core.sh" "$build"
step gbench run_gbench
step metg env OUT_DIR="$out/metg" bash "$repo/benchmarks/metg/run_metg.sh" "$build"
# shellcheck disable=SC2086
step scaling bash "$repo/benchmarks/scaling/run_scaling.sh" "$build" ${SCALING_ARGS:-} --out "$out/scaling"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- the machine -----------------------------------------------------------------------------
lscpu_field() { lscpu 2>/dev/null | sed -n "s/^$1:[[:space:]]*//p" | head -1; }
MR_CPU_MODEL="$(lscpu_field 'Model name')"
MR_NPROC="$(nproc)"
MR_SOCKETS="$(lscpu_field 'Socket(s)')" MR_CORES_PER_SOCKET="$(lscpu_field 'Core(s) per socket')"
MR_THREADS_PER_CORE="$(lscpu_field 'Thread(s) per core')"
MR_MEMORY="$(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
MR_MPIRUN="$(mpirun --version 2>&1 | head -1)"
MR_GXX="$(g++ --version 2>&1 | head -1)"
MR_OS="$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
MR_KERNEL="$(uname -r)"
MR_DATE="$started_at"
MR_COMMIT="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
MR_BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)"
MR_NATIVE="$(sed -n 's/^RANKPOOL_NATIVE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)"
MR_LOAD="before $load_before, after $load_after"
MR_FAILED_STEPS="${failed_steps[*]:-}"
MR_SKIPPED="${SKIP:-}"
# The report writer below reads these from its environment.
export MR_CPU_MODEL MR_NPROC MR_SOCKETS MR_CORES_PER_SOCKET MR_THREADS_PER_CORE MR_MEMORY MR_MPIRUN MR_GXX MR_OS \
  MR_KERNEL MR_DATE MR_COMMIT MR_BUILD_TYPE MR_NATIVE MR_LOAD MR_FAILED_STEPS MR_SKIPPED

"$py" - "$out" <<'EOF'
import glob
import json
import os
import sys

out = sys.argv[1]
env = os.environ.get


def load_jsonl(path):
    rows = {}
    try:
        with open(path) as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    rows[d.get("label", len(rows))] = d
    except OSError:
        pass
    return rows


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


core = load_jsonl(os.path.join(out, "core.jsonl"))
metg = load_json(os.path.join(out, "metg", "metg.json"))
scaling = load_json(os.path.join(out, "scaling", "scaling.json"))
gbench = {}
for path in sorted(glob.glob(os.path.join(out, "gbench", "*.json"))):
    d = load_json(path)
    if d:
        gbench[os.path.basename(path)[:-5]] = d


def rate(label):
    d = core.get(label)
    return d.get("tasks_per_s") if d else None


def fmt_rate(x):
    if x is None:
        return "not measured"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= scale:
            return f"{x / scale:.3g}{suffix} tasks/s"
    return f"{x:.3g} tasks/s"


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "**missed** (not measured)"
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "**missed**"


rows = []  # (figure, configuration, measured, target, same-run baseline ratio, verdict)
c1, raw = rate("rankpool_chunk1_n2_t1"), rate("raw_mpi_roundtrip_n2")
m4p, mp1, mpd = rate("mpi4py_futures_cs1_n2"), rate("multiprocessing_cs1_p2"), rate("multiprocessing_default_p2")
auto2, auto1 = rate("rankpool_auto_n2_t1"), rate("rankpool_auto_n1_t2")


def ratio(a, b):
    return a / b if a and b else None


def fmt_ratio(x, base):
    return f"{x:.3g}× {base}" if x is not None else f"n/a ({base} not measured)"


def tasks_of(label):
    d = core.get(label)
    return f", {d['tasks']:,} tasks" if d else ""


rows.append(("raw MPI request/reply (baseline)", "`-n 2`" + tasks_of("raw_mpi_roundtrip_n2"), fmt_rate(raw), "—", "—",
             "baseline"))
rows.append(("raw MPI ping-pong (baseline)", "`-n 2`" + tasks_of("raw_mpi_pingpong_n2"),
             fmt_rate(rate("raw_mpi_pingpong_n2")), "—", "—", "baseline"))
rows.append(("rankpool no-op, chunk 1", "`-n 2`, 1 thread" + tasks_of("rankpool_chunk1_n2_t1"), fmt_rate(c1),
             "≥ 500k tasks/s", fmt_ratio(ratio(c1, raw), "raw MPI request/reply"),
             verdict(c1, 500e3)))
rows.append(("rankpool chunk 1 / raw MPI request/reply", "`-n 2`",
             f"{ratio(c1, raw):.3g}×" if ratio(c1, raw) else "not measured", "≥ 0.5×",
             fmt_ratio(ratio(c1, raw), "raw MPI request/reply"), verdict(ratio(c1, raw), 0.5)))
rows.append(("rankpool chunk 1 / mpi4py.futures chunksize 1", "`-n 2` both",
             f"{ratio(c1, m4p):.3g}×" if ratio(c1, m4p) else "not measured", "≥ 100×",
             fmt_ratio(ratio(c1, m4p), f"mpi4py.futures ({fmt_rate(m4p)})"), verdict(ratio(c1, m4p), 100)))
rows.append(("rankpool chunk 1 / multiprocessing chunksize 1", "`-n 2` vs 2 processes",
             f"{ratio(c1, mp1):.3g}×" if ratio(c1, mp1) else "not measured", "≥ 20×",
             fmt_ratio(ratio(c1, mp1), f"multiprocessing cs 1 ({fmt_rate(mp1)})"), verdict(ratio(c1, mp1), 20)))
rows.append(("rankpool no-op, chunk auto", "`-n 2`, 1 thread" + tasks_of("rankpool_auto_n2_t1"), fmt_rate(auto2),
             "≥ 20M tasks/s", fmt_ratio(ratio(auto2, mpd), "multiprocessing default chunksize"),
             verdict(auto2, 20e6)))
rows.append(("rankpool chunk auto / multiprocessing default chunksize", "`-n 2` vs 2 processes",
             f"{ratio(auto2, mpd):.3g}×" if ratio(auto2, mpd) else "not measured", "≥ 5×",
             fmt_ratio(ratio(auto2, mpd), f"multiprocessing default ({fmt_rate(mpd)})"), verdict(ratio(auto2, mpd), 5)))
rows.append(("rankpool no-op, chunk auto", "`-n 1`, 2 threads" + tasks_of("rankpool_auto_n1_t2"), fmt_rate(auto1), "—",
             fmt_ratio(ratio(auto1, mpd), "multiprocessing default chunksize"), "—"))
spin = core.get("rankpool_spin_n2_t1")
eff = spin.get("efficiency") if spin else None
rows.append(("lognormal spin efficiency (mean 1 ms, σ 1)", "`-n 2`, chunk auto" + tasks_of("rankpool_spin_n2_t1"),
             f"{eff:.3f}" if eff is not None else "not measured", "≥ 0.97",
             f"makespan {spin['seconds'] / spin['ideal_seconds']:.3f}× ideal" if spin and spin.get("ideal_seconds")
             else "—", verdict(eff, 0.97)))
for label, name in (("mpi4py_futures_cs1_n3", "mpi4py.futures chunksize 1 (peer)"),
                    ("multiprocessing_cs1_p2", "multiprocessing chunksize 1 (peer)"),
                    ("multiprocessing_default_p2", "multiprocessing default chunksize (peer)"),
                    ("mpi4py_futures_cs1_n2", "mpi4py.futures chunksize 1 (peer)")):
    conf = {"mpi4py_futures_cs1_n3": "`-n 3` (2 workers)", "mpi4py_futures_cs1_n2": "`-n 2` (1 worker)"}.get(
        label, "2 processes")
    ours, ours_name = (c1, "chunk 1") if "cs1" in label else (auto2, "chunk auto")
    x = ratio(ours, rate(label))
    rows.append((name, conf + tasks_of(label), fmt_rate(rate(label)), "—",
                 f"rankpool {ours_name} (`-n 2`) = {x:.3g}× this" if x else "n/a", "peer"))

# Google Benchmark kernels: every benchmark, and the mandelbrot vectorised / scalar ratio.
kernel_rows = []
mandel_ratio = None
for name, d in gbench.items():
    bench = {b["name"]: b for b in d.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"}
    for bname, b in bench.items():
        ips = b.get("items_per_second")
        kernel_rows.append((name, bname, f"{ips / 1e6:,.1f}M items/s" if ips else "—",
                            f"{b.get('real_time', 0):.3f} {b.get('time_unit', '')}"))
    if "BM_simd" in bench and "BM_scalar" in bench:
        s, v = bench["BM_scalar"].get("items_per_second"), bench["BM_simd"].get("items_per_second")
        mandel_ratio = v / s if s and v else None
rows.append(("mandelbrot kernel, vectorised / scalar", "1 thread, `mandelbrot_bench`",
             f"{mandel_ratio:.3g}×" if mandel_ratio else "not measured", "≥ 8×",
             fmt_ratio(mandel_ratio, "scalar loop"), verdict(mandel_ratio, 8)))

for policy, target in (("auto", 2.0), ("1", 10.0)):
    p = (metg or {}).get("policies", {}).get(policy)
    value = p.get("metg50_us") if p else None
    note = p.get("metg50_us_note", "") if p else ""
    if p is None:
        shown = "not measured"
    elif value is None:
        shown = "not reached in the sweep (> 10000 µs)"
    elif note.startswith("at or below"):
        shown = f"≤ {value:g} µs"
    else:
        shown = f"{value:.3g} µs"
    m90 = p.get("metg90_us") if p else None
    base = f"METG(90%) {m90:.3g} µs" if m90 else "METG(90%) not reached" if p else "—"
    rows.append((f"METG(50%), chunk {policy}", f"synthetic spin, `-n {(metg or {}).get('ranks', 2)}`, 1 thread",
                 shown, f"≤ {target:g} µs", base,
                 verdict(value if value is not None or p is None else float("inf"), target, higher_is_better=False)))

md = []
md.append("# Measured results (generated)")
md.append("")
md.append(f"Generated by `benchmarks/make_results.sh` on {env('MR_DATE')}; raw data beside this file "
          "(`core.jsonl`, `logs/`, `gbench/`, `metg/`, `scaling/`). Every ratio divides two runs made one after "
          "another in this same invocation. The machine may be shared: load average "
          f"{env('MR_LOAD')} (2-core machines under load skew every figure).")
md.append("")
md.append("## Machine")
md.append("")
md.append("| | |")
md.append("|---|---|")
for k, v in (("CPU", env("MR_CPU_MODEL")), ("cores", f"{env('MR_NPROC')} online ({env('MR_SOCKETS')} socket(s) × "
             f"{env('MR_CORES_PER_SOCKET')} core(s) × {env('MR_THREADS_PER_CORE')} thread(s))"),
             ("memory", env("MR_MEMORY")), ("OS", f"{env('MR_OS')}, kernel {env('MR_KERNEL')}"),
             ("MPI", f"`{env('MR_MPIRUN')}` (OMPI_MCA_pml=ob1, --bind-to none)"), ("compiler", f"`{env('MR_GXX')}`"),
             ("build", f"{env('MR_BUILD_TYPE') or '?'}, RANKPOOL_NATIVE={env('MR_NATIVE') or '?'}"),
             ("commit", env("MR_COMMIT")), ("date", env("MR_DATE"))):
    md.append(f"| {k} | {v} |")
md.append("")
if env("MR_FAILED_STEPS"):
    md.append(f"**Steps that failed:** {env('MR_FAILED_STEPS')} — their figures read \"not measured\".")
    md.append("")
if env("MR_SKIPPED"):
    md.append(f"Steps skipped on request: {env('MR_SKIPPED')}.")
    md.append("")
md.append("## Figures against targets")
md.append("")
md.append("| figure | configuration | measured | target | same-run baseline ratio | verdict |")
md.append("|---|---|---|---|---|---|")
for r in rows:
    md.append("| " + " | ".join(r) + " |")
met = sum(1 for r in rows if r[5] == "met")
missed = sum(1 for r in rows if r[5].startswith("**missed"))
md.append("")
md.append(f"{met} targets met, {missed} missed.")
md.append("")
if metg:
    md.append("## METG sweep")
    md.append("")
    md.append(f"`benchmarks/metg/run_metg.sh`: fixed-duration spin tasks, `mpirun -n {metg['ranks']}`, "
              f"{metg['threads_per_rank']} thread(s) per rank; {metg['definition']}. Plot: `metg/metg.png`.")
    md.append("")
    pols = list(metg["policies"])
    md.append("| task duration (µs) | " + " | ".join(f"efficiency, chunk {p}" for p in pols) + " |")
    md.append("|---|" + "---|" * len(pols))
    durations = sorted({pt["duration_us"] for p in pols for pt in metg["policies"][p]["points"]})
    for dur in durations:
        cells = []
        for p in pols:
            pt = [x for x in metg["policies"][p]["points"] if x["duration_us"] == dur]
            cells.append(f"{pt[0]['efficiency']:.3f}" if pt else "—")
        md.append(f"| {dur:g} | " + " | ".join(cells) + " |")
    md.append("")
    for p in pols:
        e = metg["policies"][p]
        def show(k):
            v = e.get(k)
            return "not reached" if v is None else (f"≤ {v:g} µs" if e.get(k + "_note", "").startswith("at or below")
                                                    else f"{v:.3g} µs")
        md.append(f"- chunk {p}: METG(50%) {show('metg50_us')}, METG(90%) {show('metg90_us')}")
    md.append("")
if scaling:
    md.append("## Scaling")
    md.append("")
    md.append("`benchmarks/scaling/run_scaling.sh` (report of the strong-scaling runs: `scaling/report/index.html`).")
    md.append("")
    for mode in ("strong", "weak"):
        s = scaling.get(mode)
        if not s:
            continue
        md.append(f"{mode.capitalize()} scaling (baseline {s['baseline']}; "
                  + ("speed-up = T(baseline) / T, scaling efficiency = speed-up / core ratio):" if mode == "strong"
                     else "tasks × cores, scaling efficiency = T(baseline) / T):"))
        md.append("")
        md.append("| ranks × threads | cores | tasks | seconds | speed-up | scaling efficiency | busy efficiency |")
        md.append("|---|---|---|---|---|---|---|")
        for r in s["rows"]:
            md.append(f"| {r['config']} | {r['cores']} | {r['tasks']:,} | {r['seconds']:.3f} | {r['speedup']:.2f} | "
                      f"{r['scaling_efficiency']:.3f} | {r['busy_efficiency']:.3f} |")
        md.append("")
if kernel_rows:
    md.append("## Kernel benchmarks (Google Benchmark)")
    md.append("")
    md.append("| program | benchmark | throughput | time per iteration |")
    md.append("|---|---|---|---|")
    for r in kernel_rows:
        md.append("| " + " | ".join(r) + " |")
    md.append("")
if core:
    md.append("## Core runs")
    md.append("")
    md.append("| run | tasks | seconds | tasks/s |")
    md.append("|---|---|---|---|")
    for label, d in core.items():
        md.append(f"| {label} | {d['tasks']:,} | {d['seconds']:.3f} | {d['tasks_per_s']:,.0f} |")
    md.append("")
path = os.path.join(out, "RESULTS.generated.md")
with open(path, "w") as f:
    f.write("\n".join(md))
print(f"wrote {path}: {met} targets met, {missed} missed")
EOF
if [[ ${#failed_steps[@]} -gt 0 ]]; then
  echo "make_results.sh: failed steps: ${failed_steps[*]}" >&2
  exit 1
fi
