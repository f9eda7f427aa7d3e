#!/usr/bin/env bash
# The rankpool program end to end, HDF5 run file included: what durability costs and
# how much memory rank 0 needs, as JSON lines in $OUT_DIR/cli.jsonl (default benchmarks/out/).
#
#   benchmarks/cli/run_cli.sh [BUILD_DIR]        (default: build; needs BUILD_DIR/apps/rankpool)
#
#   flush_default, flush_every_100   200,000 no-op tasks, chunk 100, one process: the default
#                                    flushing (every 1 s or 100,000 results) against a flush
#                                    every 100 results (--flush-interval 0.001 --flush-every 100)
#   memory_1M, memory_20M            1M and 20M no-op tasks, chunk auto, `mpirun -n 2`: peak RSS
#                                    of rank 0 and rank 1, in that order (/usr/bin/time, Debian
#                                    package `time`)
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$repo/benchmarks/lib.sh"
build="$(resolve_build run_cli.sh "${1:-build}")" || exit 2
rankpool="$(require_rankpool run_cli.sh "$build")" || exit 2
out_dir="${OUT_DIR:-$repo/benchmarks/out}"
mkdir -p "$out_dir/logs"
jsonl="$out_dir/cli.jsonl"
: >"$jsonl"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
py=/usr/bin/python3
source "$repo/tools/env.sh"
job="$repo/jobs/synthetic_noop.toml"
failures=0

# record LABEL LOG [EXTRA_JSON]: the run's --json summary line with a label (and extra fields).
record() {
  local label="$1" log="$2" extra="${3:-}" json
  json="$(grep -m1 '^{"' "$log")"
  if [[ -z "$json" ]]; then
    echo "$label: FAILED - see $log"
    tail -5 "$log" | sed 's/^/    /'
    failures=$((failures + 1))
    return
  fi
  json="{\"label\":\"$label\"${extra:+,$extra},${json#\{}"
  echo "$json" >>"$jsonl"
  echo "$label: $json"
}

flush_run() {  # flush_run LABEL FLAGS...
  local label="$1" log="$out_dir/logs/$1.log"
  shift
  timeout 300 "$rankpool" run "$job" --set params.tasks=200000 --chunk 100 --threads 1 --progress none --json \
    --out "$scratch/$label.h5" "$@" >"$log" 2>&1
  record "$label" "$log" "\"flush_args\":\"$*\""
}
flush_run flush_default
flush_run flush_every_100 --flush-interval 0.001 --flush-every 100

memory_run() {  # memory_run LABEL TASKS
  local label="$1" log="$out_dir/logs/$1.log"
  if [[ ! -x /usr/bin/time ]]; then
    echo "$label: not measured (no /usr/bin/time: apt-get install time)"
    return
  fi
  # sh -c per rank, so each rank writes its own file (stderr lines of two ranks interleave).
  rm -f "$scratch"/rss.*
  timeout 300 mpirun -n 2 --bind-to none --oversubscribe \
    sh -c "/usr/bin/time -o $scratch/rss.\$OMPI_COMM_WORLD_RANK -f %M \"\$0\" \"\$@\"" "$rankpool" run "$job" \
    --set params.tasks="$2" --progress none --json --out "$scratch/$label.h5" >"$log" 2>&1
  local rss
  rss="$(cat "$scratch/rss.0" "$scratch/rss.1" 2>/dev/null | paste -sd, -)"
  record "$label" "$log" "\"maxrss_kb\":[${rss}]"
}
memory_run memory_1M 1000000
memory_run memory_20M 20000000

[[ $failures -eq 0 ]] || { echo "run_cli.sh: $failures run(s) failed" >&2; exit 1; }
