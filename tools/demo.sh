#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and run the mandelbrot job on two
# ranks — writes out/mandelbrot.h5 and out/mandelbrot.png and prints the summary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/install-deps.sh" build
bash "$here/build.sh" -DRANKPOOL_BUILD_TESTS=OFF -DRANKPOOL_BUILD_BENCHMARKS=OFF
source "$here/env.sh"
mkdir -p "$RANKPOOL_ROOT/out"
cd "$RANKPOOL_ROOT"
mpirun -n 2 --bind-to none build/apps/rankpool run jobs/mandelbrot.toml --force --progress log
