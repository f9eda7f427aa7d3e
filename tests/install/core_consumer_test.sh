#!/usr/bin/env bash
# Installs the rankpool build in $1 to a scratch prefix, then configures, builds and runs
# tests/install/core_consumer against that install with find_package(rankpool COMPONENTS
# core) and HDF5 disabled: the engine alone must need no HDF5.
# Usage: core_consumer_test.sh BUILD_DIR [MPIEXEC]
set -euo pipefail
build_dir=$1
mpiexec=${2:-mpiexec}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scratch=$(mktemp -d /tmp/rankpool-core-consumer-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

step() { echo "core_consumer_test: $*"; }
fail() { echo "core_consumer_test: $*"; exit 1; }

step "installing $build_dir to $scratch/prefix"
cmake --install "$build_dir" --prefix "$scratch/prefix" >"$scratch/install.log" ||
  { cat "$scratch/install.log"; exit 1; }
step "configuring and building tests/install/core_consumer (HDF5 disabled)"
cmake -S "$source_dir/tests/install/core_consumer" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_FIND_PACKAGE_HDF5=ON >"$scratch/configure.log" 2>&1 ||
  { cat "$scratch/configure.log"; exit 1; }
cmake --build "$scratch/build" -j2 >"$scratch/build.log" 2>&1 || { cat "$scratch/build.log"; exit 1; }
if grep -rqi hdf5 "$scratch/build/CMakeFiles/core_consumer.dir/link.txt"; then
  fail "the consumer links HDF5: $(cat "$scratch/build/CMakeFiles/core_consumer.dir/link.txt")"
fi

for ranks in 1 2; do
  step "running it on $ranks rank(s)"
  out=$(timeout -s TERM 120 "$mpiexec" -n "$ranks" --oversubscribe --bind-to none "$scratch/build/core_consumer")
  echo "$out"
  expected="core_consumer: ranks=$ranks square(12)=144 sum=332833500 last=9801"
  [[ $out == "$expected" ]] || fail "expected exactly one line: $expected"
done
step "ok"
