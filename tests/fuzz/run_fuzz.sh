#!/usr/bin/env bash
# run_fuzz.sh FUZZER CORPUS DICT WORKDIR: the gate's bounded fuzz run. Starts from a copy
# of CORPUS (the repository's seeds are never modified) and runs exactly
# RANKPOOL_FUZZ_RUNS inputs (default 300000) from the fixed seed RANKPOOL_FUZZ_SEED
# (default 1), so the same commit always fuzzes the same inputs and gets the same
# verdict. Open-ended exploration is tools/fuzz.sh. Exits 1 on a crash, a sanitizer
# report, a leak, a hang (-timeout) or running out of memory, after printing the report
# and the reproducer; the reproducer stays in WORKDIR/artifacts.
set -euo pipefail
fuzzer=$1 corpus=$2 dict=$3 work=$4
runs=${RANKPOOL_FUZZ_RUNS:-300000}
seed=${RANKPOOL_FUZZ_SEED:-1}
rm -rf "$work/corpus" "$work/artifacts"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
log=$work/fuzz.log
echo "run_fuzz.sh: $(basename "$fuzzer"): $runs inputs from seed $seed on a copy of $corpus ($(find "$corpus" -type f | wc -l) seeds), log $log"
set +e
"$fuzzer" -seed="$seed" -runs="$runs" -timeout=30 -rss_limit_mb=2560 -max_len=4096 -dict="$dict" \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" >"$log" 2>&1
rc=$?
set -e
if [[ $rc -eq 0 ]]; then
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  echo "run_fuzz.sh: no finding in $runs inputs (seed $seed)"
  exit 0
fi
echo "run_fuzz.sh: the fuzzer stopped with exit code $rc; its report:"
# The report starts at the first sanitizer/libFuzzer/harness error line.
awk '/==[0-9]+==ERROR|ERROR: libFuzzer|_fuzz: BUG|runtime error:|^==[0-9]+== ERROR/ {on=1} on' "$log" | head -150
for crash in "$work"/artifacts/*; do
  [[ -f $crash ]] || continue
  echo "reproducer: $crash"
  echo "  base64: $(base64 -w0 "$crash")"
  echo "  rerun:  $fuzzer $crash"
done
exit 1
