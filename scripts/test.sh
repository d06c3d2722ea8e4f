#!/usr/bin/env bash
# Builds fitbench with its tests (scripts/setup.sh), then runs them with CTest.
# Tests labelled gpu are left out (they skip themselves without a GPU anyway);
# the mpi tests run 2 ranks on this machine with OpenMPI, which setup.sh
# installs; the cluster tests run 3 ranks on simulated hosts (network
# namespaces, tests/cluster/cluster.sh) as root and skip, saying why, where
# namespaces cannot be made. UI tests run on Qt's offscreen platform: no display needed.
# Extra arguments go to ctest (e.g. -R lr_scheduler, -L ui, -V).
# Exit code: ctest's.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FITBENCH_TESTS=ON bash scripts/setup.sh

build_dir="${FITBENCH_BUILD_DIR:-build}"
export QT_QPA_PLATFORM=offscreen

echo "==> ctest --test-dir $build_dir --output-on-failure -j2 -LE gpu $*" >&2
status=0
ctest --test-dir "$build_dir" --output-on-failure -j2 -LE gpu "$@" || status=$?
exit "$status"
