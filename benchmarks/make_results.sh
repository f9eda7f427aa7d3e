#!/usr/bin/env bash
# Every benchmark in one command, then benchmarks/RESULTS.md: the machine, every figure
# with its target and its ratio to a baseline measured in the same run, what limits the
# misses, and the tables behind them (benchmarks/write_results.py writes it).
#
#   benchmarks/make_results.sh [BUILD_DIR]            (default: build, a Release build with the benchmarks)
#
# Steps (each one's raw output in OUT_DIR, default benchmarks/out/, which git ignores):
#   1. benchmarks/core/run_core.sh           -> core.jsonl, logs/ (rankpool, raw MPI and the peers)
#   2. benchmarks/cli/run_cli.sh             -> cli.jsonl (flush cost, rank 0's memory)
#   3. the Google Benchmark kernels, BUILD_DIR/benchmarks/*/*_bench that link Google
#      Benchmark, with --benchmark_format=json $BENCH_ARGS -> gbench/NAME.json
#   4. benchmarks/metg/run_metg.sh           -> metg/metg.json, metg/metg.png
#   5. benchmarks/scaling/run_scaling.sh     -> scaling/scaling.json, scaling/report/index.html
#      ($SCALING_ARGS are passed to it, e.g. SCALING_ARGS="jobs/mandelbrot.toml --set params.max_iterations=20000")
#   6. benchmarks/python/run_python_bench.sh -> python/python_bench.jsonl, python/python_section.md
#      (the Python package against mpi4py.futures and multiprocessing; needs a build with it)
# RESULTS_MD (default benchmarks/RESULTS.md) is where the report goes.
# SKIP="core cli gbench metg scaling python" leaves steps out (their figures then read "not measured").
# Exit 0 when every step ran; missed targets are written down, they do not fail the script.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py=/usr/bin/python3
source "$repo/benchmarks/lib.sh"
build="$(resolve_build make_results.sh "${1:-build}")" || exit 2
out="${OUT_DIR:-$repo/benchmarks/out}"
mkdir -p "$out/gbench"
out="$(cd "$out" && pwd)"
[[ "$out" != "$repo/benchmarks/out" || -e "$out/.gitignore" ]] || echo '*' >"$out/.gitignore"
skip=" ${SKIP:-} "
results_md="${RESULTS_MD:-$repo/benchmarks/RESULTS.md}"
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
  # grep without -q reads all of nm's output: with pipefail, an early exit makes nm's SIGPIPE fail the test.
  nm -D --undefined-only "$1" 2>/dev/null | grep '_ZN9benchmark' >/dev/null || grep -qa 'benchmark_format' "$1"
}
# Google Benchmark programs that need MPI ranks run under `mpirun -n 2`.
mpi_gbench=" roundtrip_bench "
run_gbench() {
  local rc=0 found=0
  for exe in "$build"/benchmarks/*/*_bench; do
    [[ -x "$exe" ]] && is_gbench "$exe" || continue
    found=1
    local name launcher=()
    name="$(basename "$exe")"
    [[ "$mpi_gbench" == *" $name "* ]] && launcher=(mpirun -n 2 --bind-to none --oversubscribe)
    echo "--- ${launcher[*]} $name $BENCH_ARGS"
    # shellcheck disable=SC2086
    if ! timeout 600 "${launcher[@]}" "$exe" --benchmark_format=json $BENCH_ARGS >"$out/gbench/$name.json" \
      2>"$out/gbench/$name.log"; then
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
step cli env OUT_DIR="$out" bash "$repo/benchmarks/cli/run_cli.sh" "$build"
step gbench run_gbench
step metg env OUT_DIR="$out/metg" bash "$repo/benchmarks/metg/run_metg.sh" "$build"
# shellcheck disable=SC2086
step scaling bash "$repo/benchmarks/scaling/run_scaling.sh" "$build" ${SCALING_ARGS:-} --out "$out/scaling"
step python bash "$repo/benchmarks/python/run_python_bench.sh" "$build" "$out/python"
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
MR_PYTHON="$("$py" --version 2>&1)"
MR_MPI4PY="$("$py" -c 'import mpi4py; print(mpi4py.__version__)' 2>/dev/null || echo 'not installed')"
MR_BUILD_ARG="${1:-build}"
# write_results.py reads these from its environment.
export MR_CPU_MODEL MR_NPROC MR_SOCKETS MR_CORES_PER_SOCKET MR_THREADS_PER_CORE MR_MEMORY MR_MPIRUN MR_GXX MR_OS \
  MR_KERNEL MR_DATE MR_COMMIT MR_BUILD_TYPE MR_NATIVE MR_LOAD MR_FAILED_STEPS MR_SKIPPED MR_PYTHON MR_MPI4PY \
  MR_BUILD_ARG

"$py" "$repo/benchmarks/write_results.py" "$out" "$results_md"
if [[ ${#failed_steps[@]} -gt 0 ]]; then
  echo "make_results.sh: failed steps: ${failed_steps[*]}" >&2
  exit 1
fi
