#!/usr/bin/env bash
# ONNX export against the real thing, at full size: lenet and resnet-20 trained
# for one epoch on all 60,000 Fashion-MNIST training images with fitbench-cli,
# exported with --include-preprocessing 1, then onnxruntime's test-set accuracy
# on the raw pixels beside fitbench-score's (they must be equal), after the
# per-network random-weight comparison and the MXNet Gluon export check that
# the tests also run (tests/tools/check_onnx.py).
#
# Usage: bash bench/onnx_accuracy.sh   (after scripts/test.sh built build/ and build/peer-venv)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${FITBENCH_BUILD_DIR:-build}"
cmake --build "$build_dir" --target fitbench-cli fitbench-score fitbench-export fitbench_onnx_reference
exec "$build_dir/peer-venv/bin/python" tests/tools/check_onnx.py \
  --bin-dir "$build_dir/app" --reference "$build_dir/tests/fitbench_onnx_reference" \
  --mxnet-data tests/data/mxnet --accuracy-networks lenet,resnet-20 --train-examples 60000
