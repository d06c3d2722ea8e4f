#!/usr/bin/env bash
# Saves screenshots of fitbench's main views into docs/screenshots/*.png: starts
# the real application under Xvfb (a virtual X display), trains lenet on a
# 6,400-image slice of Fashion-MNIST so that several epochs (and checkpoints)
# finish within the delay, then the application grabs each view listed by
# MainWindow::views() (the hidden --screenshots option) and quits.
#
# Usage: bash scripts/screenshots.sh [fit.py arguments...]
#
# Environment:
#   FITBENCH_BUILD_DIR=DIR        build directory holding app/fitbench (default build)
#   FITBENCH_SCREENSHOT_DELAY=S   seconds of training before the grab (default 25)
#   FITBENCH_SCREENSHOT_DIR=DIR   where the PNGs go (default docs/screenshots)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
build_dir="${FITBENCH_BUILD_DIR:-build}"
delay="${FITBENCH_SCREENSHOT_DELAY:-25}"
out_dir="${FITBENCH_SCREENSHOT_DIR:-docs/screenshots}"
case "$build_dir" in /*) ;; *) build_dir="$repo/$build_dir" ;; esac
case "$out_dir" in /*) ;; *) out_dir="$repo/$out_dir" ;; esac

app="$build_dir/app/fitbench"
if [[ ! -x "$app" ]]; then
  echo "screenshots.sh: $app is missing: build the application first (bash scripts/setup.sh)" >&2
  exit 1
fi

# Xvfb and xauth are needed by this script only, so they are not in setup.sh's list.
missing=()
for pkg in xvfb xauth; do
  if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)" != ii* ]]; then
    missing+=("$pkg")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  echo "==> apt-get install ${missing[*]}" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The run's files (runs/, checkpoints) go to a scratch directory, not the repository.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out_dir"
cd "$work"
echo "==> Training for ${delay} s under Xvfb, then saving the views into $out_dir" >&2
# The X server's screen is bigger than the window (1280x800) so nothing is clipped.
QT_QPA_PLATFORM=xcb xvfb-run --auto-servernum --server-args="-screen 0 1600x1000x24" \
  "$app" --num-examples 6400 --num-epochs 30 --disp-batches 20 --monitor 50 --model-prefix "$work/checkpoints/lenet" \
  "$@" --screenshots "$out_dir" --screenshot-delay "$delay"
