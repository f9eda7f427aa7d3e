#!/usr/bin/env bash
# Quick start 1: install what is missing, build, and run the mandelbrot demo job on two
# ranks: out/mandelbrot.h5 (results, per-task status, the timeline) and
# out/mandelbrot.png, a summary line, and the commands that look at the run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/install-deps.sh" build
bash "$here/build.sh" -DRANKPOOL_BUILD_TESTS=OFF -DRANKPOOL_BUILD_BENCHMARKS=OFF
source "$here/env.sh"
mkdir -p "$RANKPOOL_ROOT/out"
cd "$RANKPOOL_ROOT"
mpirun -n 2 --bind-to none build/apps/rankpool run jobs/mandelbrot.toml --force --progress log
cat <<'TEXT'

The image:    out/mandelbrot.png
The run file: out/mandelbrot.h5 (HDF5: /results, /tasks, /timing, /chunks; docs/OUTPUT.md)
Look at it:
  build/apps/rankpool status out/mandelbrot.h5                    # done, failed, pending, rate, per rank
  build/apps/rankpool table out/mandelbrot.h5 | head              # one row per task (--csv, --json)
  build/apps/rankpool report out/mandelbrot.h5 --out out/report   # HTML: timelines, cores busy, results
TEXT
