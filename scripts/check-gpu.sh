#!/bin/bash
# The one-shot check on a lent GPU machine (see ../shared/device/README.md):
# builds the core, fitbench-cli and the benchmark with CUDA (no Qt there),
# runs the gpu-labelled tests, trains lenet on Fashion-MNIST on the GPU when
# the data is at hand, then runs fitbench-bench and PyTorch's baseline on the
# same GPU in the same run and prints the ratios. Every log goes to $OUT, so
# what ran comes back even when the command runs out of time.
#
# Usage (through the device tool, timeout_s about 560):
#   bash scripts/check-gpu.sh [STEPS]     STEPS: a comma list of tests, lenet,
#                                         bench (default: all three)
#   FITBENCH_DATA  a folder with Fashion-MNIST's four idx files (default: the
#                  Debian package's folder, else data/fashion-mnist, carried along)
# Each step has its own time limit; if one call cannot hold them all, run
# "tests,lenet" and then "bench" on the same warm machine (the build is kept).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-/tmp/fitbench-out}
mkdir -p "$OUT"
B=build-cuda  # the cuda preset's folder
steps=",${1:-tests,lenet,bench},"
FITBENCH_DATA=${FITBENCH_DATA:-}
# A step that fails says so and the next one still runs: one call on the lent
# machine should bring back every result it can.
step_failed() { echo "==> $1 failed (exit $2)" | tee -a "$OUT/failed.txt"; }

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
export PATH="/usr/local/cuda/bin:$PATH"  # nvcc, where the CUDA packages put it

# The cuda preset, without Qt (the lent machine has none). Its compiler is
# newer than the project's: new warnings must not cost the one run, so they
# stay warnings here (CI keeps them errors).
cmake --preset cuda -DFITBENCH_GUI=OFF -DFITBENCH_WERROR=OFF -DCMAKE_CUDA_ARCHITECTURES=90 \
  >"$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
cmake --build $B -j16 --target fitbench-cli fitbench-bench fitbench_test_ops_cuda fitbench_test_fit_cuda \
  fitbench_test_executor_group >"$OUT/build.log" 2>&1 || { grep -E 'error' -A3 "$OUT/build.log" | head -60; exit 1; }
echo "==> built"

if [[ $steps == *,tests,* ]]; then
  echo "==> gpu tests"
  for t in executor_group ops_cuda fit_cuda; do
    timeout 150 "$B/tests/fitbench_test_$t" --gtest_brief=1 2>&1 | tee "$OUT/test_$t.log" | tail -25 ||
      step_failed "test $t" $?
  done
fi

data="$FITBENCH_DATA"
for candidate in /usr/share/datasets/fashion-mnist data/fashion-mnist; do
  [[ -z "$data" && -f "$candidate/train-images-idx3-ubyte.gz" ]] && data="$candidate"
done
if [[ $steps != *,lenet,* ]]; then
  :
elif [[ -n "$data" ]]; then
  echo "==> lenet on Fashion-MNIST ($data), 5 epochs on gpu(0)"
  timeout 120 "$B/app/fitbench-cli" --network lenet --gpus 0 --batch-size 64 --lr 0.05 --num-epochs 5 \
    --data-train "$data" --data-val "$data" --run-dir "$OUT/lenet-gpu" 2>&1 | tee "$OUT/lenet-gpu.log" \
    | grep -E "Validation-accuracy|Time cost|Error|error" | tail -12 || step_failed lenet $?
else
  echo "==> no Fashion-MNIST here: set FITBENCH_DATA or carry data/fashion-mnist" | tee "$OUT/lenet-gpu.log"
fi

if [[ $steps == *,bench,* ]]; then
  echo "==> fitbench-bench and PyTorch on gpu(0)"
  nets=mlp,lenet,resnet20,resnet110,resnet50
  timeout 90 "$B/bench/fitbench-bench" --gpu 0 --nets $nets --seconds 2 2>&1 | tee "$OUT/bench.txt" ||
    step_failed fitbench-bench $?
  python3 -c 'import torch, torchvision' 2>&1 | tee "$OUT/torch-import.log" || step_failed "import torch" $?
  # PyTorch runs float32 convolutions in TF32 by default; fitbench keeps full
  # float32 (cuDNN FMA math), so the conv-net ratios compare FP32 with TF32.
  PYTHONUNBUFFERED=1 timeout 120 python3 bench/torch_baseline.py --nets $nets --amp 2>&1 | tee "$OUT/torch.txt" ||
    step_failed torch_baseline $?
  awk -f bench/ratios.awk "$OUT/bench.txt" "$OUT/torch.txt" | tee "$OUT/ratios.txt"
fi
[[ ! -s "$OUT/failed.txt" ]]  # the exit status says whether every step passed
