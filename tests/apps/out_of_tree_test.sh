#!/usr/bin/env bash
# Installs the rankpool build in $1 to a scratch prefix, then configures, builds and
# runs examples/hello_app against that install alone (find_package(rankpool)).
# Usage: out_of_tree_test.sh BUILD_DIR [MPIEXEC]
set -euo pipefail
build_dir=$1
mpiexec=${2:-mpiexec}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scratch=$(mktemp -d /tmp/rankpool-out-of-tree-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

step() { echo "out_of_tree_test: $*"; }
step "installing $build_dir to $scratch/prefix"
cmake --install "$build_dir" --prefix "$scratch/prefix" >"$scratch/install.log"
step "configuring and building examples/hello_app"
cmake -S "$source_dir/examples/hello_app" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$scratch/configure.log" || { cat "$scratch/configure.log"; exit 1; }
cmake --build "$scratch/build" -j2 >"$scratch/build.log" || { cat "$scratch/build.log"; exit 1; }

step "running it on 2 ranks"
cd "$scratch"
cp "$source_dir/examples/hello_app/squares.toml" .
summary=$(timeout -s TERM 120 "$mpiexec" -n 2 --oversubscribe --bind-to none "$scratch/build/hello_app" squares.toml)
echo "$summary"
grep -q '"failed":0' <<<"$summary" || { echo "out_of_tree_test: the run failed"; exit 1; }
grep -q '"tasks":100' <<<"$summary" || { echo "out_of_tree_test: expected 100 tasks"; exit 1; }
if command -v h5dump >/dev/null; then
  # The last square, 99 * 99, proves every task's result reached the file.
  h5dump -d /results/square -s 99 -c 1 squares.h5 | grep -q '9801' || { echo "out_of_tree_test: /results/square is wrong"; exit 1; }
fi

step "a bad job exits 2 with one line"
printf 'app = "squares"\n[params]\ntasks = 0\n' >bad.toml
set +e
timeout -s TERM 60 "$mpiexec" -n 2 --oversubscribe --bind-to none "$scratch/build/hello_app" bad.toml 2>err.txt
code=$?
set -e
[[ $code == 2 ]] || { echo "out_of_tree_test: expected exit 2, got $code"; cat err.txt; exit 1; }
grep -q 'params.tasks: 0 is below the minimum 1' err.txt || { cat err.txt; exit 1; }
step "ok"
