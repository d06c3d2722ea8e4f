#!/usr/bin/env bash
# Saves two screenshots of TensorBoard showing fitbench runs into
# docs/screenshots/: tensorboard-scalars.png (Time Series) and
# tensorboard-hparams.png (the HParams table). Trains lenet three times on
# 3,200 Fashion-MNIST images (lr 0.1, 0.05, 0.02) with fitbench-cli, starts
# TensorBoard from PyPI (the tests' virtual environment, scripts/lib/peers.sh)
# on them, and has Debian's headless Chromium take the pictures.
#
# Usage: bash scripts/tensorboard-screenshots.sh   (needs a built build/app/fitbench-cli)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
# shellcheck source=lib/packages.sh
source scripts/lib/packages.sh
# shellcheck source=lib/peers.sh
source scripts/lib/peers.sh

cli="$repo/build/app/fitbench-cli"
if [[ ! -x "$cli" ]]; then
  echo "tensorboard-screenshots.sh: $cli is missing: build first (bash scripts/setup.sh)" >&2
  exit 1
fi
ensure_packages chromium python3-venv curl
python="$(ensure_peer_python "$repo/build/peer-venv")"
if [[ -z "$python" ]]; then
  echo "tensorboard-screenshots.sh: no Python with tensorboard (PyPI unreachable?)" >&2
  exit 1
fi

work="$(mktemp -d)"
tensorboard_pid=""
trap '[[ -n "$tensorboard_pid" ]] && kill "$tensorboard_pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
for lr in 0.1 0.05 0.02; do
  echo "==> Training lenet with --lr $lr" >&2
  "$cli" --network lenet --num-examples 3200 --num-epochs 3 --monitor 20 --lr "$lr" \
    --run-dir "runs/lenet-lr$lr" >/dev/null 2>&1
done

port=6123
"$(dirname "$python")/tensorboard" --logdir runs --port "$port" >tensorboard.log 2>&1 &
tensorboard_pid=$!
for _ in $(seq 60); do
  curl -sf "http://localhost:$port/data/runs" >/dev/null && break
  sleep 1
done

shoot() {  # shoot FILE URL-PATH
  echo "==> $1" >&2
  # forceSVG: the charts draw without WebGL, which headless Chromium lacks here.
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,850 \
    --virtual-time-budget=25000 --screenshot="$repo/docs/screenshots/$1" \
    "http://localhost:$port/?forceSVG=true#$2" >/dev/null 2>&1
}
shoot tensorboard-scalars.png timeseries
shoot tensorboard-hparams.png hparams
