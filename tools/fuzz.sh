#!/usr/bin/env bash
# tools/fuzz.sh [--minutes N] [--seed S] [--grow-corpus]: open-ended exploration of the
# job-file parser (tests/fuzz/job_parser_fuzz), for people, not for the CI gate (the gate
# runs a fixed, seeded number of inputs: tests/fuzz/run_fuzz.sh).
#
# Builds the libFuzzer target into ${FUZZ_BUILD_DIR:-build-fuzz} (clang, ASan+UBSan) if
# needed, then fuzzes for N minutes (default 10) from a random seed (printed; --seed
# repeats a session) on a copy of tests/fuzz/corpus and tests/fuzz/regressions, in
# fork mode so that one finding does not end the session. Every finding (crash,
# sanitizer report, leak, timeout, out-of-memory) is copied into tests/fuzz/regressions/
# as found-KIND-SHA1: the gate replays that folder, so it fails until the bug is fixed.
# --grow-corpus also merges the inputs that reached new code into tests/fuzz/corpus/.
# Exit status: 0 no finding, 1 findings (listed at the end), 2 bad usage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
minutes=10 seed="" grow=false
while (($#)); do
  case "$1" in
    --minutes) minutes=${2:?--minutes needs a number}; shift 2 ;;
    --seed) seed=${2:?--seed needs a number}; shift 2 ;;
    --grow-corpus) grow=true; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tools/fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $minutes =~ ^[0-9]+$ && $minutes -gt 0 ]] || { echo "tools/fuzz.sh: --minutes must be a positive integer" >&2; exit 2; }
[[ -z $seed || $seed =~ ^[0-9]+$ ]] || { echo "tools/fuzz.sh: --seed must be a non-negative integer" >&2; exit 2; }
[[ -n $seed ]] || seed=$(( $(od -An -N4 -tu4 /dev/urandom) % 2147483647 + 1 ))

build=${FUZZ_BUILD_DIR:-$RANKPOOL_ROOT/build-fuzz}
fuzz_dir=$RANKPOOL_ROOT/tests/fuzz
echo "tools/fuzz.sh: building job_parser_fuzz in $build"
CC=clang CXX=clang++ cmake -S "$RANKPOOL_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" \
  -DRANKPOOL_FUZZ=ON -DRANKPOOL_NATIVE=OFF -DRANKPOOL_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target job_parser_fuzz >/dev/null
fuzzer=$build/tests/fuzz/job_parser_fuzz

work=$build/explore/$(date -u +%Y%m%dT%H%M%SZ)-seed$seed
mkdir -p "$work/corpus" "$work/artifacts"
cp "$fuzz_dir"/corpus/* "$fuzz_dir"/regressions/* "$work/corpus/"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
log=$work/fuzz.log
echo "tools/fuzz.sh: $minutes min from seed $seed, work $work (log $log)"
set +e
"$fuzzer" -seed="$seed" -max_total_time=$((minutes * 60)) -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
  -ignore_ooms=1 -timeout=30 -rss_limit_mb=2560 -max_len=16384 -dict="$fuzz_dir/job_parser.dict" \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" >"$log" 2>&1
set -e
grep -E '^#[0-9]+: cov: ' "$log" | tail -1 || true

if $grow; then
  before=$(find "$fuzz_dir/corpus" -type f | wc -l)
  "$fuzzer" -merge=1 "$fuzz_dir/corpus" "$work/corpus" >>"$log" 2>&1
  echo "tools/fuzz.sh: tests/fuzz/corpus grew from $before to $(find "$fuzz_dir/corpus" -type f | wc -l) inputs"
fi

found=0
for artifact in "$work"/artifacts/*; do
  [[ -f $artifact ]] || continue
  kind=$(basename "$artifact" | cut -d- -f1)
  target=$fuzz_dir/regressions/found-$kind-$(sha1sum "$artifact" | cut -c1-12)
  cp "$artifact" "$target"
  echo "finding: $target"
  "$fuzzer" "$artifact" 2>&1 | grep -E 'ERROR|BUG|runtime error' | head -3 | sed 's/^/    /' || true
  found=$((found + 1))
done
echo "tools/fuzz.sh: $found findings in $minutes min from seed $seed"
((found == 0))
