#!/usr/bin/env bash
# Quick start 2: install what is missing, build with warnings as errors, and run the
# whole test suite; then the suite again under AddressSanitizer + UBSan, the pool's
# threads under ThreadSanitizer, and the job-file parser under libFuzzer.
#
# Stages, each in its own build directory, each printing a banner and ctest's summary:
#   main  Release (-Werror), the Python package built (RANKPOOL_BUILD_PYTHON=ON),
#         every test                                                     $BUILD_DIR (build-test)
#   asan  gcc -O1 -g1, ASan+UBSan: every test but the labels
#         install (an uninstrumented program cannot link the ASan library),
#         slurm (a whole Slurm cluster; the main stage runs it) and python
#         (an interpreter cannot load an ASan module; no package built)  $BUILD_DIR-asan
#   tsan  clang, TSan with libomp's Archer: pool_test at 1-4 ranks
#         (rank 0's driver, scheduler and executor threads, OpenMP teams) $BUILD_DIR-tsan
#   fuzz  clang, libFuzzer+ASan+UBSan: tests/fuzz/job_parser_fuzz on its seeds and
#         regressions, then RANKPOOL_FUZZ_RUNS inputs (default 300000) from the
#         fixed seed RANKPOOL_FUZZ_SEED (default 1): the same verdict on every run
#         of a commit (tools/fuzz.sh explores open-endedly)            $BUILD_DIR-fuzz
# Locally RANKPOOL_SKIP_SANITIZERS=1 skips asan, tsan and fuzz, and RANKPOOL_SKIP_ASAN,
# RANKPOOL_SKIP_TSAN, RANKPOOL_SKIP_FUZZ=1 skip one; in CI (CI=true) every stage runs.
# A failed build or test in any stage, or an HDF5 diagnostic (HDF5-DIAG) in any test
# output, makes the script exit non-zero. It ends with the main suite's ctest summary,
# so the last ctest summary line printed is that of the whole, uninstrumented suite.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/install-deps.sh" test
source "$here/env.sh"
export BUILD_DIR=${BUILD_DIR:-$RANKPOOL_ROOT/build-test}
jobs=$(nproc)
script_start=$SECONDS

# CI builds portable code (no -march=native): users' nodes differ from this one.
native=ON
ci=false
if [ "${CI:-}" = "true" ]; then
  native=OFF
  ci=true
fi

# skip NAME: whether the stage NAME (asan, tsan, fuzz) is switched off locally.
skip() {
  local var="RANKPOOL_SKIP_${1^^}"
  [ "$ci" = false ] && { [ "${RANKPOOL_SKIP_SANITIZERS:-0}" = 1 ] || [ "${!var:-0}" = 1 ]; }
}
if [ "$ci" = true ] && [ -n "$(compgen -v RANKPOOL_SKIP_ || true)" ]; then
  echo "test.sh: CI=true: every stage runs, RANKPOOL_SKIP_* is ignored"
fi
# The gate fuzzes the same inputs for every run of a commit: CI takes no overrides.
if [ "$ci" = true ]; then
  unset RANKPOOL_FUZZ_RUNS RANKPOOL_FUZZ_SEED
fi

# The clang stages need LLVM's OpenMP (omp.h for clang, libomp, libarcher); install-deps.sh
# brings clang and its sanitizer runtimes.
if ! skip tsan || ! skip fuzz; then
  if ! dpkg-query -W -f='${Status}' libomp-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "test.sh: installing libomp-dev (the clang stages' OpenMP)"
    apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
    [ "$(id -u)" -eq 0 ] || apt=(sudo "${apt[@]}")
    "${apt[@]}" install -y -q --no-install-recommends libomp-dev ||
      { "${apt[@]}" update -q && "${apt[@]}" install -y -q --no-install-recommends libomp-dev; }
  fi
fi

names=() results=() times=() summaries=()
stage_name="" stage_start=0
status=0

banner() {
  echo
  echo "=================================================================================="
  echo "== test.sh stage $1: $2"
  echo "=================================================================================="
}
begin_stage() {
  stage_name=$1
  stage_start=$SECONDS
  banner "$1" "$2"
}
# end_stage RESULT [SUMMARY]: records the stage; RESULT is PASS, FAIL or SKIP.
end_stage() {
  local secs=$((SECONDS - stage_start))
  names+=("$stage_name") results+=("$1") times+=("$secs") summaries+=("${2:-}")
  [ "$1" = FAIL ] && status=1
  echo "== test.sh stage $stage_name: $1 in ${secs}s"
}
skip_stage() {
  names+=("$1") results+=("SKIP") times+=(0) summaries+=("skipped (RANKPOOL_SKIP_*)")
  banner "$1" "skipped (RANKPOOL_SKIP_SANITIZERS or RANKPOOL_SKIP_${1^^})"
}
# configure_and_build DIR TARGET|all CMAKE_ARGS...: prints the tail of a failed build.
configure_and_build() {
  local dir=$1 target=$2
  shift 2
  local log=$dir/test.sh-build.log
  mkdir -p "$dir"
  local target_args=()
  [ "$target" = all ] || target_args=(--target "$target")
  if cmake -S "$RANKPOOL_ROOT" -B "$dir" "$@" >"$log" 2>&1 &&
    cmake --build "$dir" -j "$jobs" "${target_args[@]}" >>"$log" 2>&1; then
    echo "built $target in $dir ($((SECONDS - stage_start))s, log $log)"
    return 0
  fi
  tail -60 "$log"
  echo "test.sh: stage $stage_name: the build failed (log $log)" >&2
  return 1
}
# run_ctest DIR LOG ARGS...: runs ctest, keeps its output in LOG; fails on a failed
# test or an HDF5 diagnostic.
run_ctest() {
  local dir=$1 log=$2
  shift 2
  local rc
  set +e
  ctest --test-dir "$dir" --output-on-failure -j 2 "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  if grep -q "HDF5-DIAG" "$log"; then
    echo "test.sh: HDF5 printed diagnostics (HDF5-DIAG) during the tests" >&2
    rc=1
  fi
  return "$rc"
}
summary_of() { grep -E '^[0-9]+% tests passed' "$1" | tail -1 || true; }

# ---------------------------------------------------------------------------------
begin_stage main "Release build (warnings are errors, RANKPOOL_NATIVE=$native), the whole test suite"
if ! bash "$here/build.sh" -DRANKPOOL_WERROR=ON -DRANKPOOL_NATIVE=$native -DRANKPOOL_BUILD_PYTHON=ON; then
  end_stage FAIL "the build failed"
  echo "test.sh: the main build failed; no further stage runs" >&2
  exit 1
fi
main_log=$BUILD_DIR/ctest.log
if run_ctest "$BUILD_DIR" "$main_log"; then r=PASS; else r=FAIL; fi
end_stage $r "$(summary_of "$main_log")"

# ---------------------------------------------------------------------------------
if skip asan; then
  skip_stage asan
else
  begin_stage asan "ASan+UBSan build (RelWithDebInfo), the test suite without labels install|slurm|python"
  dir=$BUILD_DIR-asan
  # -O1 -g1 (line tables, enough for the reports' stacks): the build was most of this
  # stage at -O2 -g (about 680 of 1176 s in CI). Warnings are not errors here: at -O1
  # with ASan, GCC 12 reports maybe-uninitialized inside libstdc++'s <regex>, which the
  # main stage's -Werror build does not; the main stage is where warnings are judged.
  if configure_and_build "$dir" all -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DRANKPOOL_SANITIZE=address \
    -DRANKPOOL_WERROR=OFF -DRANKPOOL_NATIVE=OFF -DRANKPOOL_BUILD_BENCHMARKS=OFF -DRANKPOOL_BUILD_PYTHON=OFF; then
    # Leak checking is off: Open MPI keeps allocations until exit by design.
    if ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      run_ctest "$dir" "$dir/ctest.log" -LE 'install|slurm|python'; then r=PASS; else r=FAIL; fi
    end_stage $r "$(summary_of "$dir/ctest.log")"
  else
    end_stage FAIL "the build failed"
  fi
fi

# ---------------------------------------------------------------------------------
if skip tsan; then
  skip_stage tsan
else
  begin_stage tsan "TSan build (clang, libomp + Archer), pool_test at 1-4 ranks"
  dir=$BUILD_DIR-tsan
  if CC=clang CXX=clang++ configure_and_build "$dir" pool_test -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRANKPOOL_SANITIZE=thread -DRANKPOOL_WERROR=ON -DRANKPOOL_NATIVE=OFF \
    -DRANKPOOL_BUILD_APPS=OFF -DRANKPOOL_BUILD_BENCHMARKS=OFF; then
    # Suppressions name third-party libraries only (see the file).
    if TSAN_OPTIONS="suppressions=$RANKPOOL_ROOT/tools/sanitizers/tsan.supp second_deadlock_stack=1" \
      run_ctest "$dir" "$dir/ctest.log" -R '^pool_test\.'; then r=PASS; else r=FAIL; fi
    end_stage $r "$(summary_of "$dir/ctest.log")"
  else
    end_stage FAIL "the build failed"
  fi
fi

# ---------------------------------------------------------------------------------
if skip fuzz; then
  skip_stage fuzz
else
  begin_stage fuzz "libFuzzer build (clang, ASan+UBSan), job_parser_fuzz: seeds and regressions, then ${RANKPOOL_FUZZ_RUNS:-300000} inputs from seed ${RANKPOOL_FUZZ_SEED:-1}"
  dir=$BUILD_DIR-fuzz
  if CC=clang CXX=clang++ configure_and_build "$dir" job_parser_fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" \
    -DRANKPOOL_FUZZ=ON -DRANKPOOL_WERROR=ON -DRANKPOOL_NATIVE=OFF -DRANKPOOL_BUILD_BENCHMARKS=OFF; then
    if run_ctest "$dir" "$dir/ctest.log" -L fuzz; then r=PASS; else r=FAIL; fi
    end_stage $r "$(summary_of "$dir/ctest.log")"
  else
    end_stage FAIL "the build failed"
  fi
fi

# ---------------------------------------------------------------------------------
banner summary "$((SECONDS - script_start))s in all"
for i in "${!names[@]}"; do
  printf '%-5s %-4s %5ss  %s\n' "${names[$i]}" "${results[$i]}" "${times[$i]}" "${summaries[$i]}"
done
if [ "$status" -ne 0 ]; then
  echo "test.sh: FAILED (see the stages above)"
else
  echo "test.sh: every stage passed"
fi
# The main suite's closing ctest lines, last: the summary CI counts tests from.
echo
echo "main suite (ctest --test-dir $BUILD_DIR):"
sed -n '/^[0-9]*% tests passed/,$p' "$main_log"
exit "$status"
