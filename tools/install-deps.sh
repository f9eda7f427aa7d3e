#!/usr/bin/env bash
# Installs the Debian 12 packages rankpool needs, skipping the ones already present.
# Usage: tools/install-deps.sh [build|test|all]   (default: build)
set -euo pipefail
profile=${1:-build}

build_pkgs=(build-essential cmake pkg-config
  libopenmpi-dev openmpi-bin
  libboost-serialization-dev
  libhdf5-openmpi-dev hdf5-tools
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libbenchmark-dev)
# python3-pandas: tests/cli/table_recipe.py runs docs/OUTPUT.md's pandas recipe (skipped without it).
# python3-dev, pybind11-dev, python3-cloudpickle and python3-pytest: the Python package
# (python/, built when they are there) and its tests.
test_pkgs=(python3-h5py python3-numpy python3-pandas python3-matplotlib python3-mpi4py
  python3-dev pybind11-dev python3-cloudpickle python3-pytest
  clang libclang-rt-14-dev
  slurm-wlm munge iproute2 util-linux procps
  chromium)

case "$profile" in
  build) want=("${build_pkgs[@]}") ;;
  test|all) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "install-deps.sh: unknown profile '$profile' (build|test|all)" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
