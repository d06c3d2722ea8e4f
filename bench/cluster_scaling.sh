#!/usr/bin/env bash
# dist_sync across 1, 2 and 3 simulated hosts (tests/cluster/cluster.sh: one
# rank per network namespace, TCP over veth links): samples/s, the bytes the
# hosts send per batch (their links' counters), with and without --gc-type
# 2bit, samples/s again with 1% of the packets lost (cluster.sh --drop 1), and
# how long the other hosts take to notice a host whose cable is pulled
# (--dist-timeout 4). mlp on the first samples of Fashion-MNIST, batch
# 32 per host, one OpenMP thread per rank. Needs root. On a machine with
# fewer cores than hosts the ranks share cores: the samples/s say nothing of
# real scaling, the bytes do.
#
# Usage: bash bench/cluster_scaling.sh [--cli PATH] [--examples N] [--hosts "1 2 3"]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cli="${FITBENCH_BUILD_DIR:-build}/app/fitbench-cli"
examples=9600
host_counts="1 2 3"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) cli="$2"; shift ;;
    --examples) examples="$2"; shift ;;
    --hosts) host_counts="$2"; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "cluster_scaling.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
[[ -x "$cli" ]] || { echo "cluster_scaling.sh: no $cli (build fitbench-cli, or pass --cli)" >&2; exit 2; }
cli="$(realpath "$cli")"
cluster="tests/cluster/cluster.sh"
if ! why="$(bash "$cluster" check)"; then
  echo "cluster_scaling.sh: $why" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'bash "$cluster" down; rm -rf "$work"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
export OMP_NUM_THREADS=1

sent() { # bytes all hosts have sent
  local k total=0
  for ((k = 1; k <= $1; k++)); do total=$((total + $(bash "$cluster" bytes "$k"))); done
  echo "$total"
}

# fitbench-cli on the hosts that are up, in the background; rank 0 logs to
# $work/run/log.txt as it goes (mpirun passes the ranks' output on at its end).
start() {
  rm -rf "$work/run"
  bash "$cluster" exec -- "$cli" --network mlp --kv-store dist_sync --batch-size 32 --num-examples "$examples" \
    --disp-batches 1000000 --seed 5 --run-dir "$work/run" "$@" >"$work/log" 2>&1 &
}

# train HOSTS EPOCHS [ARGS...]: one run on links shaped by cluster.sh up's
# options in `links`; prints "<bytes sent> <epoch 1's time cost>".
links=()
train() {
  local hosts="$1" epochs="$2"
  shift 2
  bash "$cluster" up --hosts "$hosts" "${links[@]}"
  local before
  before="$(sent "$hosts")"
  start --num-epochs "$epochs" "$@"
  wait $! || { cat "$work/log" >&2; exit 1; }
  echo "$(($(sent "$hosts") - before)) $(sed -n 's/.*Epoch\[1\] Time cost=\([0-9.]*\).*/\1/p' "$work/run/log.txt")"
}

# Seconds from pulling the last host's cable to rank 0's error.
detect() {
  local hosts="$1"
  bash "$cluster" up --hosts "$hosts"
  start --num-epochs 100000 --dist-timeout 4
  local job=$!
  until grep -qs "Epoch\[0\] Time cost" "$work/run/log.txt"; do sleep 0.1; done
  bash "$cluster" link "$hosts" down
  local start end
  start="$(date +%s.%N)"
  until grep -q "Error: worker rank $((hosts - 1)) stopped" "$work/run/log.txt"; do sleep 0.05; done
  end="$(date +%s.%N)"
  bash "$cluster" link "$hosts" up
  wait "$job" || true
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

rate() { awk -v n="$examples" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }

printf '%-6s %-10s %-16s %-12s %-17s %-6s %-14s\n' hosts samples/s "samples/s 1%loss" bytes/batch "bytes/batch 2bit" ratio "lost host (s)"
for hosts in $host_counts; do
  batches=$((examples / (32 * hosts)))
  read -r bytes1 _ < <(train "$hosts" 1)
  read -r bytes2 cost < <(train "$hosts" 2)
  read -r gc1 _ < <(train "$hosts" 1 --gc-type 2bit)
  read -r gc2 _ < <(train "$hosts" 2 --gc-type 2bit)
  links=(--drop 1)
  read -r _ lossy_cost < <(train "$hosts" 2)
  links=()
  # The second epoch's bytes alone: start-up (launch, the first broadcast) cancels out.
  per=$(((bytes2 - bytes1) / batches))
  per_gc=$(((gc2 - gc1) / batches))
  ratio=-
  [[ "$per_gc" -gt 0 ]] && ratio="$(awk -v a="$per" -v b="$per_gc" 'BEGIN { printf "%.1f", a / b }')"
  lost=-
  [[ "$hosts" -gt 1 ]] && lost="$(detect "$hosts")"
  printf '%-6s %-10s %-16s %-12s %-17s %-6s %-14s\n' "$hosts" "$(rate "$cost")" "$(rate "$lossy_cost")" \
    "$per" "$per_gc" "$ratio" "$lost"
done
