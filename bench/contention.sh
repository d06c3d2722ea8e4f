#!/usr/bin/env bash
# Training on a shared CPU: one epoch of fitbench-cli on an idle machine, then
# the same epoch beside busy-loop processes at the same priority, and the
# slowdown. On 2 cores with 2 busy loops a fair share of the CPU makes an epoch
# about 2x slower; a team of threads that waits for its slowest member is
# slower still.
#
# Usage: bash bench/contention.sh [--nets lenet,resnet-20] [--loops 2] [--threads 2] [--repeat 1]
#   lenet trains on the first 12,000 Fashion-MNIST images, resnet-20 on the
#   first 2,000 (batch 128); the epoch's "Time cost" line is what is compared.
#   With --repeat N, a last row per network compares the fastest of the N
#   idle epochs with the fastest of the N beside the loops.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

nets=lenet,resnet-20
loops=2
threads=2
repeat=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nets) nets="$2"; shift ;;
    --loops) loops="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --repeat) repeat="$2"; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "contention.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

build_dir="${FITBENCH_BUILD_DIR:-build}"
cli="$build_dir/app/fitbench-cli"
if [[ ! -x "$cli" ]]; then
  FITBENCH_TESTS="${FITBENCH_TESTS:-OFF}" FITBENCH_GUI=OFF bash scripts/setup.sh
fi

tmp="$(mktemp -d)"
busy=()
cleanup() {
  [[ ${#busy[@]} -gt 0 ]] && kill "${busy[@]}" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

start_busy_loops() {
  for ((i = 0; i < loops; ++i)); do
    bash -c 'while :; do :; done' &
    busy+=("$!")
  done
}

stop_busy_loops() {
  kill "${busy[@]}" 2>/dev/null || true
  wait "${busy[@]}" 2>/dev/null || true
  busy=()
}

# Seconds of the training epoch, from the run's "Epoch[0] Time cost=" line.
epoch_seconds() {
  local net="$1" examples="$2" log="$tmp/$1.log"
  local network=(--network "$net")
  [[ "$net" == resnet-* ]] && network=(--network resnet --num-layers "${net#resnet-}")
  OMP_NUM_THREADS="$threads" "$cli" "${network[@]}" --num-examples "$examples" --batch-size 128 \
    --num-epochs 1 --lr 0.05 --disp-batches 1000 --model-prefix "$tmp/m/$net" >"$log" 2>&1 ||
    { cat "$log" >&2; exit 1; }
  sed -n 's/.*Epoch\[0\] Time cost=\([0-9.]*\).*/\1/p' "$log"
}

mkdir -p "$tmp/m"
printf '%-10s %8s %12s %16s %9s\n' network examples "idle s" "beside $loops loops" slowdown
for net in ${nets//,/ }; do
  case "$net" in
    lenet | mlp) examples=12000 ;;
    *) examples=2000 ;;
  esac
  fastest_idle="" fastest_shared=""
  for ((r = 0; r < repeat; ++r)); do
    idle="$(epoch_seconds "$net" "$examples")"
    start_busy_loops
    shared="$(epoch_seconds "$net" "$examples")"
    stop_busy_loops
    printf '%-10s %8d %12.2f %16.2f %8.2fx\n' "$net" "$examples" "$idle" "$shared" \
      "$(awk -v a="$idle" -v b="$shared" 'BEGIN { print b / a }')"
    fastest_idle="$(awk -v a="$idle" -v b="$fastest_idle" 'BEGIN { print (b == "" || a < b) ? a : b }')"
    fastest_shared="$(awk -v a="$shared" -v b="$fastest_shared" 'BEGIN { print (b == "" || a < b) ? a : b }')"
  done
  # This machine's own speed moves by up to a third between runs, which one
  # pair of epochs cannot tell from contention: with repeats, the fastest
  # epoch of each kind is the least disturbed.
  if ((repeat > 1)); then
    printf '%-10s %8s %12.2f %16.2f %8.2fx\n' "$net" fastest "$fastest_idle" "$fastest_shared" \
      "$(awk -v a="$fastest_idle" -v b="$fastest_shared" 'BEGIN { print b / a }')"
  fi
done
