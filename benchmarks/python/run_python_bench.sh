#!/usr/bin/env bash
# rankpool's Python package against its peers, all in one run on the same tasks
# (benchmarks/peers/workload.py): no-op maps at chunksize 1 and at each side's default,
# the lognormal spin workload (mean 1 ms, sigma 1, 3,000 tasks), and the C++ engine's own
# no-op rate at chunk 1 (rankpool_noop_bench), whose difference is a Python task's cost.
#   [ROUNDS=3] bash benchmarks/python/run_python_bench.sh BUILD_DIR [OUT_DIR]
# Runs every configuration once per round, the rounds one after another (so each side
# meets the same load), and prints one JSON line per run into OUT_DIR/python_bench.jsonl,
# then the Markdown section of benchmarks/RESULTS.md made from the medians
# (python_results.py) into OUT_DIR/python_section.md.
set -euo pipefail
build=$(cd "${1:?usage: run_python_bench.sh BUILD_DIR [OUT_DIR]}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../tools/env.sh"
out=${2:-$RANKPOOL_ROOT/benchmarks/out/python}
mkdir -p "$out"
py=/usr/bin/python3
export PYTHONPATH=$build/python:$RANKPOOL_ROOT/benchmarks/peers
tasks=200000            # chunksize 1
default_tasks=2000000   # default chunksizes: long enough to time on a shared machine
spin=(--tasks 3000 --spin-us 1000 --sigma 1 --seed 1)
run() { "$@" | tee -a "$out/python_bench.jsonl"; }
: > "$out/python_bench.jsonl"
load_before=$(uptime | sed 's/.*load average: //')
mpi() { timeout 300 mpirun -n "$1" --bind-to none "${@:2}"; }
alone() { timeout 300 "$@"; }
rounds=${ROUNDS:-3}
for ((round = 1; round <= rounds; round++)); do
run mpi 2 $py -m rankpool "$here/rankpool_bench.py" --tasks $tasks --chunksize 1
run mpi 2 $py -m rankpool "$here/rankpool_bench.py" --tasks $default_tasks
run mpi 2 "$build/benchmarks/noop/rankpool_noop_bench" --tasks $tasks --chunk 1 --threads 1
run mpi 2 "$build/benchmarks/noop/rankpool_noop_bench" --tasks 20000000 --chunk auto --threads 1
# mpi4py.futures: rank 0 is its client, so 3 ranks give it the same 2 computing workers;
# its map's default chunksize is 1, so one run serves both comparisons.
run mpi 3 $py -m mpi4py.futures "$RANKPOOL_ROOT/benchmarks/peers/mpi4py_futures_bench.py" --tasks 20000 --chunksize 1
run alone $py "$RANKPOOL_ROOT/benchmarks/peers/multiprocessing_bench.py" --tasks $tasks --processes 2 --chunksize 1
run alone $py "$RANKPOOL_ROOT/benchmarks/peers/multiprocessing_bench.py" --tasks $default_tasks --processes 2
run mpi 2 $py -m rankpool "$here/rankpool_bench.py" "${spin[@]}"
run mpi 3 $py -m mpi4py.futures "$RANKPOOL_ROOT/benchmarks/peers/mpi4py_futures_bench.py" "${spin[@]}" --chunksize 1
run alone $py "$RANKPOOL_ROOT/benchmarks/peers/multiprocessing_bench.py" "${spin[@]}" --processes 2
done
$py "$here/python_results.py" "$out/python_bench.jsonl" --load-before "$load_before" \
  --load-after "$(uptime | sed 's/.*load average: //')" | tee "$out/python_section.md"
