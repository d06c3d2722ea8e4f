#!/usr/bin/env bash
# Builds fitbench (scripts/setup.sh), then runs the default experiment:
# the Qt application when a display exists, otherwise the headless CLI
#   fitbench-cli --network lenet --batch-size 64 --lr 0.05 --num-epochs 3 --model-prefix runs/default/lenet
# on Fashion-MNIST. Extra arguments are passed to the program (fit.py's
# arguments: later ones override the defaults above).
#
# Environment: FITBENCH_GUI=OFF always runs the CLI; see setup.sh for the rest.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

gui="${FITBENCH_GUI:-ON}"
case "${gui^^}" in ON | 1 | YES | TRUE) gui=ON ;; *) gui=OFF ;; esac

# The run needs no tests: skip building them unless asked.
FITBENCH_TESTS="${FITBENCH_TESTS:-OFF}" FITBENCH_GUI="$gui" bash scripts/setup.sh

build_dir="${FITBENCH_BUILD_DIR:-build}"
defaults=(--network lenet --batch-size 64 --lr 0.05 --num-epochs 3 --model-prefix runs/default/lenet)

if [[ "$gui" == ON && ( -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ) ]]; then
  echo "==> Starting $build_dir/app/fitbench" >&2
  # The application starts with the default experiment; arguments override it.
  exec "$build_dir/app/fitbench" "$@"
fi

if [[ "$gui" == ON ]]; then
  echo "run.sh: no display found (DISPLAY and WAYLAND_DISPLAY are unset): running the headless default experiment" >&2
fi
mkdir -p runs/default
echo "==> $build_dir/app/fitbench-cli ${defaults[*]} $*" >&2
exec "$build_dir/app/fitbench-cli" "${defaults[@]}" "$@"
