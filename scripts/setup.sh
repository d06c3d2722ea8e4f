#!/usr/bin/env bash
# Installs the Debian 12 packages fitbench needs (only those missing), then
# configures and builds fitbench into build/.
#
# Usage: bash scripts/setup.sh [--no-gui] [--tests | --no-tests] [--skip-packages]
#
# Environment:
#   FITBENCH_GUI=ON|OFF       build the Qt application (default ON; --no-gui sets OFF)
#   FITBENCH_TESTS=ON|OFF     build the tests (default: as configured before, ON for a new build)
#   FITBENCH_BUILD_DIR=DIR    build directory (default build)
#   FITBENCH_BUILD_TYPE=TYPE  CMAKE_BUILD_TYPE (default Release)
#   FITBENCH_JOBS=N           parallel build jobs (default nproc)
#   FITBENCH_SKIP_PACKAGES=1  do not check or install system packages
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/packages.sh
source scripts/lib/packages.sh
# shellcheck source=lib/peers.sh
source scripts/lib/peers.sh

gui="${FITBENCH_GUI:-ON}"
tests="${FITBENCH_TESTS:-}"
skip_packages="${FITBENCH_SKIP_PACKAGES:-0}"
build_dir="${FITBENCH_BUILD_DIR:-build}"
build_type="${FITBENCH_BUILD_TYPE:-Release}"
jobs="${FITBENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-gui) gui=OFF ;;
    --gui) gui=ON ;;
    --tests) tests=ON ;;
    --no-tests) tests=OFF ;;
    --skip-packages) skip_packages=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

case "${gui^^}" in ON | 1 | YES | TRUE) gui=ON ;; *) gui=OFF ;; esac
if [[ -n "$tests" ]]; then
  case "${tests^^}" in ON | 1 | YES | TRUE) tests=ON ;; *) tests=OFF ;; esac
fi

step() { printf '\n==> %s\n' "$*" >&2; }

# --- 1. System packages ------------------------------------------------------
# help2man makes the man pages of the .deb from each program's --help.
# protobuf: TensorBoard's event files (core/proto/tensorboard.proto); onnx: fitbench-export.
packages=(build-essential cmake ninja-build pkg-config libopenblas-dev nlohmann-json3-dev zlib1g-dev
  libjpeg62-turbo-dev libpng-dev libprotobuf-dev protobuf-compiler libonnx-dev dataset-fashion-mnist help2man)
if [[ "$tests" != OFF ]]; then
  # OpenMPI: FITBENCH_MPI=AUTO then builds the dist kvstores, and their tests (label mpi) run 2 workers on loopback.
  # python3-venv: a virtual environment for the PyPI package some tests read fitbench's files with.
  packages+=(libgtest-dev libgmock-dev libopenmpi-dev openmpi-bin python3-venv)
fi
if [[ "$gui" == ON ]]; then
  # Qt6Charts' CMake package requires Qt6OpenGL, which apt brings only as a Recommends.
  packages+=(qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev)
fi

FITBENCH_SKIP_PACKAGES="$skip_packages" ensure_packages "${packages[@]}"

# --- 2. Configure ------------------------------------------------------------
cmake_args=(-S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" -DFITBENCH_GUI="$gui")
if [[ -n "$tests" ]]; then
  cmake_args+=(-DFITBENCH_TESTS="$tests")
fi
if [[ "$tests" == ON ]]; then
  peer_python="$(ensure_peer_python "$build_dir/peer-venv")"
  cmake_args+=(-DFITBENCH_PEER_PYTHON="$peer_python")
fi
# Keep the generator of an existing build directory (CMake refuses to switch).
if [[ -f "$build_dir/CMakeCache.txt" ]]; then
  existing="$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build_dir/CMakeCache.txt")"
  if [[ "$existing" != Ninja ]]; then
    echo "    note: $build_dir/ was configured with '$existing'; keeping it" >&2
  fi
elif command -v ninja >/dev/null 2>&1; then
  cmake_args+=(-G Ninja)
fi

step "Configuring: cmake ${cmake_args[*]}"
cmake "${cmake_args[@]}"

# --- 3. Build ----------------------------------------------------------------
step "Building: cmake --build $build_dir -j$jobs"
cmake --build "$build_dir" -j"$jobs"

step "Build finished in $build_dir/ (GUI $gui${tests:+, tests $tests})"
