#!/usr/bin/env bash
# Installs the rankpool build in $1 to a scratch prefix, then configures, builds and
# runs examples/powers against that install alone (find_package(rankpool)): the
# declarative app a user copies as a template.
# Usage: out_of_tree_test.sh BUILD_DIR [MPIEXEC]
set -euo pipefail
build_dir=$1
mpiexec=${2:-mpiexec}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scratch=$(mktemp -d /tmp/rankpool-out-of-tree-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mpirun_n() { local n=$1; shift; timeout -s TERM 120 "$mpiexec" -n "$n" --oversubscribe --bind-to none "$@"; }

step() { echo "out_of_tree_test: $*"; }
step "installing $build_dir to $scratch/prefix"
cmake --install "$build_dir" --prefix "$scratch/prefix" >"$scratch/install.log"
step "configuring and building examples/powers (its CMakeLists picks Release itself)"
cmake -S "$source_dir/examples/powers" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  >"$scratch/configure.log" || { cat "$scratch/configure.log"; exit 1; }
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$scratch/build/CMakeCache.txt" || { echo "out_of_tree_test: not a Release build"; exit 1; }
cmake --build "$scratch/build" -j2 >"$scratch/build.log" || { cat "$scratch/build.log"; exit 1; }

cd "$scratch"
cp "$source_dir/examples/powers/powers.toml" .
step "apps lists powers with its declared and automatic parameters"
"$scratch/build/powers" apps >apps.txt
for word in 'powers:' '    p (real' '    samples (integer' '    seed (integer' '    tasks (integer'; do
  grep -qF "$word" apps.txt || { echo "out_of_tree_test: 'powers apps' lacks '$word'"; cat apps.txt; exit 1; }
done

step "running it as one process and on 2 ranks"
mpirun_n 2 "$scratch/build/powers" run powers.toml --json --progress none --out two.h5 >summary.json
cat summary.json
grep -q '"failed":0' summary.json || { echo "out_of_tree_test: the run failed"; exit 1; }
grep -q '"tasks":6' summary.json || { echo "out_of_tree_test: expected 6 tasks"; exit 1; }
"$scratch/build/powers" run powers.toml --progress none --out one.h5 >/dev/null
h5diff one.h5 two.h5 /results /results || { echo "out_of_tree_test: 1 and 2 ranks differ"; exit 1; }

step "every estimate is within 5 standard errors of 1 / (p + 1)"
python_with_h5py=/usr/bin/python3
"$python_with_h5py" - two.h5 <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    p, value, error = f["sweep/p"][:], f["results/value"][:], f["results/error"][:]
assert len(p) == 6, p
for pi, v, e in zip(p, value, error):
    exact = 1.0 / (pi + 1.0)
    assert 0 < e < 0.01 and abs(v - exact) < 5 * e, (pi, v, exact, e)
print("out_of_tree_test: estimates", [round(v, 4) for v in value], "match 1/(p+1)")
PY

step "a bad job exits 2 with one line naming the value"
printf 'app = "powers"\n[params]\nsamples = 0\n' >bad.toml
set +e
mpirun_n 2 "$scratch/build/powers" run bad.toml 2>err.txt
code=$?
set -e
[[ $code == 2 ]] || { echo "out_of_tree_test: expected exit 2, got $code"; cat err.txt; exit 1; }
grep -q 'bad.toml:3:11: params.samples: 0 is below the minimum 1' err.txt || { cat err.txt; exit 1; }
step "ok"
