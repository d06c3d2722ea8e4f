#!/usr/bin/env bash
# CPU training throughput against the peers, measured in the same run, two
# threads each (1 and 2 on synthetic data):
#   1. fitbench-bench against PyTorch eager (bench/torch_baseline.py, Debian's
#      python3-torch): a table of img/s and the ratio per network;
#   2. fitbench-cli against MXNet 1.9.1 (PyPI, oneDNN; into build/mxnet-venv)
#      training the same network through Module.fit as fit.py sets it up
#      (bench/mxnet_baseline.py): mlp, lenet, resnet-20 and resnet-56 at batch
#      128 and 32, with each side's GFLOP/s against the sgemm roofline;
#   3. fitbench's RecordIO reader on 28 px Fashion-MNIST PNGs against MXNet's
#      ImageRecordIter on the same .rec, and lenet from that .rec against the
#      idx files (bench/data_pipeline.py --workload fashion28).
#
# Usage: bash bench/run_cpu.sh [--nets mlp,lenet,resnet20] [--mxnet-nets mlp,lenet,resnet-20,resnet-56]
#                              [--threads 2]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

nets=mlp,lenet,resnet20
mxnet_nets=mlp,lenet,resnet-20,resnet-56
threads=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nets) nets="$2"; shift ;;
    --nets=*) nets="${1#--nets=}" ;;
    --mxnet-nets) mxnet_nets="$2"; shift ;;
    --mxnet-nets=*) mxnet_nets="${1#--mxnet-nets=}" ;;
    --threads) threads="$2"; shift ;;
    --threads=*) threads="${1#--threads=}" ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run_cpu.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

# --- Build (the tests are not needed) ---------------------------------------
FITBENCH_TESTS="${FITBENCH_TESTS:-OFF}" bash scripts/setup.sh
build_dir="${FITBENCH_BUILD_DIR:-build}"
bench_bin="$build_dir/bench/fitbench-bench"
if [[ ! -x "$bench_bin" ]]; then
  echo "run_cpu.sh: $bench_bin was not built (bench/fitbench_bench.cpp is missing?)" >&2
  exit 1
fi

# --- The peer: Debian's PyTorch ----------------------------------------------
python=/usr/bin/python3
if ! "$python" -c 'import torch, torchvision' >/dev/null 2>&1; then
  missing=()
  for pkg in python3-torch python3-torchvision; do
    if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)" != ii* ]]; then
      missing+=("$pkg")
    fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    sudo=()
    [[ "$(id -u)" -ne 0 ]] && sudo=(sudo)
    echo "==> Installing ${missing[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# Where fitbench names OpenBLAS's kernels for this CPU itself, the peers' own
# OpenBLAS builds (numpy's, MXNet's, PyTorch's) get the same setting.
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
  kernels="$("$python" bench/openblas_kernels.py)"
  if [[ -n "$kernels" ]]; then
    echo "==> OPENBLAS_CORETYPE=$kernels for every side (bench/openblas_kernels.py)" >&2
    export OPENBLAS_CORETYPE="$kernels"
  fi
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "==> fitbench: OMP_NUM_THREADS=$threads $bench_bin --nets $nets" >&2
OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" "$bench_bin" --nets "$nets" | tee "$tmp/fitbench.txt"

echo "==> PyTorch: $python bench/torch_baseline.py --cpu --threads $threads --nets $nets" >&2
"$python" bench/torch_baseline.py --cpu --threads "$threads" --nets "$nets" | tee "$tmp/torch.txt"

echo
awk -f bench/ratios.awk "$tmp/fitbench.txt" "$tmp/torch.txt"

# --- The peer fitbench re-creates: MXNet 1.9.1 from PyPI ----------------------
mxnet_venv="$build_dir/mxnet-venv"
# Pillow: bench/data_pipeline.py --workload fashion28 writes its PNGs with it.
if ! "$mxnet_venv/bin/python" -c 'import mxnet, PIL' >/dev/null 2>&1; then
  echo "==> pip install mxnet==1.9.1 'numpy<1.24' pillow (into $mxnet_venv)" >&2
  python3 -m venv "$mxnet_venv"
  "$mxnet_venv/bin/pip" install --quiet --disable-pip-version-check mxnet==1.9.1 'numpy<1.24' pillow
fi
echo "==> fitbench-cli and MXNet: bench/mxnet_baseline.py --nets $mxnet_nets" >&2
OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" "$mxnet_venv/bin/python" bench/mxnet_baseline.py \
  --fitbench-cli "$build_dir/app/fitbench-cli" --nets "$mxnet_nets" --batch-sizes 128,32

echo "==> RecordIO of small images: bench/data_pipeline.py --workload fashion28" >&2
OMP_NUM_THREADS="$threads" "$mxnet_venv/bin/python" bench/data_pipeline.py --workload fashion28 \
  --build-dir "$build_dir" --threads "$threads"
