#!/usr/bin/env bash
# Configures and builds rankpool into ${BUILD_DIR:-build}. Extra arguments go to cmake.
set -euo pipefail
source "$(dirname "$0")/env.sh"
build_dir=${BUILD_DIR:-$RANKPOOL_ROOT/build}
cmake -S "$RANKPOOL_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} "$@"
cmake --build "$build_dir" -j "$(nproc)"
