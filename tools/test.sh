#!/usr/bin/env bash
# Quick start 2: install what is missing, build with warnings as errors, and run
# the whole test suite. Fails if HDF5 printed a diagnostic anywhere.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/install-deps.sh" test
source "$here/env.sh"
export BUILD_DIR=${BUILD_DIR:-$RANKPOOL_ROOT/build-test}
# CI builds portable code (no -march=native): users' nodes differ from this one.
native=ON
[ "${CI:-}" = "true" ] && native=OFF
bash "$here/build.sh" -DRANKPOOL_WERROR=ON -DRANKPOOL_NATIVE=$native
log=$BUILD_DIR/ctest.log
set +e
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if grep -q "HDF5-DIAG" "$log"; then
  echo "test.sh: HDF5 printed diagnostics (HDF5-DIAG) during the tests" >&2
  status=1
fi
exit "$status"
