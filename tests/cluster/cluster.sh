#!/usr/bin/env bash
# Several "machines" on this one, for the dist kvstores: each host is a Linux
# network namespace fbhostK (K = 1..N) with its own address 10.77.0.K/24 on
# eth0, cabled by a veth pair to a bridge in a namespace of its own
# (fbswitch), so the root namespace's network and firewall are never touched.
# mpirun runs on host 1 and starts OpenMPI's daemon on the others through a
# launcher agent that does what ssh would: enter the host's namespace (and a
# UTS namespace with the host's name). MPI uses TCP only (no shared memory),
# so every byte between ranks crosses the veth links. Needs root.
#
# Usage: tests/cluster/cluster.sh COMMAND [ARGS]
#   check [--netem]              exit 0 where namespaces (and with --netem, tc netem)
#                                can be made; else print why, exit 1
#   up [--hosts N] [--netem SPEC | --drop PERCENT]
#                                build N hosts (default 3), after removing any left
#                                over; SPEC shapes every host's outgoing link
#                                (tc netem words, e.g. "delay 20ms 5ms loss 1%");
#                                --drop loses PERCENT of each host's outgoing
#                                packets at random, also where the kernel has no
#                                netem (an HTB class that drops, a BPF classifier)
#   exec [--mpi ARG]... -- PROGRAM [ARGS]
#                                mpirun PROGRAM with one rank per host (rank K-1 on
#                                host K) on the hosts that are up; --mpi adds an
#                                argument to mpirun's
#   run [up options] [--mpi ARG]... -- PROGRAM [ARGS]
#                                up, exec, down (also after a failure or a signal);
#                                exits with mpirun's code
#   link K up|down               plug or pull host K's cable (at the switch)
#   bytes K                      bytes host K has sent on its link
#   down                         remove the hosts, the switch, and their processes
#
# Environment: FITBENCH_CLUSTER_DIR, where the hostfile and the agent go
# (default ${TMPDIR:-/tmp}/fitbench-cluster).
set -euo pipefail

readonly host_prefix=fbhost
readonly switch=fbswitch
readonly subnet=10.77.0.0/24
state="${FITBENCH_CLUSTER_DIR:-${TMPDIR:-/tmp}/fitbench-cluster}"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
die() { echo "cluster.sh: $*" >&2; exit 2; }
host_ip() { echo "10.77.0.$1"; }

check() {
  [[ "$(id -u)" -eq 0 ]] || { echo "network namespaces need root (id -u: $(id -u))"; return 1; }
  command -v ip >/dev/null || { echo "no ip command (apt-get install iproute2)"; return 1; }
  command -v mpirun >/dev/null || { echo "no mpirun (apt-get install openmpi-bin)"; return 1; }
  local probe="fbprobe$$" why
  if ! why="$(ip netns add "$probe" 2>&1)"; then
    echo "ip netns add is not permitted here: $why"
    return 1
  fi
  if ! why="$(ip -n "$probe" link add probe0 type veth peer name probe1 2>&1)"; then
    ip netns del "$probe"
    echo "veth pairs cannot be made here: $why"
    return 1
  fi
  if [[ "${1:-}" == --netem ]] && ! why="$(ip netns exec "$probe" tc qdisc add dev probe0 root netem delay 1ms 2>&1)"; then
    ip netns del "$probe"
    echo "tc netem is not available here (a kernel without CONFIG_NET_SCH_NETEM, or no tc): $why"
    return 1
  fi
  ip netns del "$probe"
}

down() {
  local ns
  for ns in $(ip netns list | awk -v p="$host_prefix" -v s="$switch" '$1 ~ "^" p "[0-9]+$" || $1 == s { print $1 }'); do
    # Processes left in a host by a run that was killed (mpirun, orted, ranks).
    local pids=()
    mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
    [[ ${#pids[@]} -eq 0 ]] || kill -KILL "${pids[@]}" 2>/dev/null || true
    ip netns del "$ns"
  done
  rm -rf "$state"
}

up() {
  local hosts=3 netem="" drop=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --hosts) hosts="$2"; shift ;;
      --netem) netem="$2"; shift ;;
      --drop) drop="$2"; shift ;;
      *) die "up: unknown option '$1'" ;;
    esac
    shift
  done
  [[ "$hosts" =~ ^[0-9]+$ && "$hosts" -ge 1 && "$hosts" -le 200 ]] || die "--hosts: 1 to 200, not '$hosts'"
  [[ -z "$drop" || "$drop" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--drop: a percentage, not '$drop'"
  [[ -z "$netem" || -z "$drop" ]] || die "--netem and --drop: one or the other (netem has loss)"
  down
  mkdir -p "$state"
  ip netns add "$switch"
  ip -n "$switch" link add br0 type bridge
  ip -n "$switch" link set br0 up
  local k
  for ((k = 1; k <= hosts; k++)); do
    local ns="$host_prefix$k"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$switch" link add "host$k" type veth peer name eth0 netns "$ns"
    ip -n "$switch" link set "host$k" master br0 up
    ip -n "$ns" addr add "$(host_ip "$k")/24" dev eth0
    ip -n "$ns" link set eth0 up
    if [[ -n "$netem" ]]; then
      # shellcheck disable=SC2086  # SPEC is tc's words
      ip netns exec "$ns" tc qdisc add dev eth0 root netem $netem
    fi
    [[ -z "$drop" ]] || drop_packets "$ns" "$drop"
    echo "$ns slots=1" >>"$state/hostfile"
  done
  # OpenMPI calls the agent as it calls ssh: AGENT [OPTIONS] HOST COMMAND...,
  # COMMAND being shell words for the remote shell; HOST names the namespace.
  cat >"$state/agent" <<'EOF'
#!/bin/sh
while [ "${1#-}" != "$1" ]; do shift; done
host="$1"
shift
exec ip netns exec "$host" unshare --uts /bin/sh -c "hostname $host && $*"
EOF
  chmod +x "$state/agent"
}

# Loses `percent` of the packets `ns` sends: a classic BPF classifier sends
# that share at random (ld rand < threshold) to HTB class 1:20, whose queue
# holds nothing; the rest go to 1:10. Both classes at 40 Gbit/s, beyond what
# a veth carries here, so only the loss shapes the link.
drop_packets() {
  local ns="$1" percent="$2" threshold
  threshold="$(awk -v p="$percent" 'BEGIN { printf "%.0f", p / 100 * 4294967296 }')"
  ip netns exec "$ns" sh -e -c "
    tc qdisc add dev eth0 root handle 1: htb default 10 r2q 100000
    tc class add dev eth0 parent 1: classid 1:10 htb rate 40gbit
    tc class add dev eth0 parent 1: classid 1:20 htb rate 40gbit
    tc qdisc add dev eth0 parent 1:20 handle 20: pfifo limit 0
    tc filter add dev eth0 parent 1: bpf bytecode '4,32 0 0 4294963256,53 0 1 $threshold,6 0 0 0,6 0 0 65568'"
}

mpi_exec() {
  local mpi=()
  while [[ $# -gt 0 && "$1" != -- ]]; do
    case "$1" in
      --mpi) mpi+=("$2"); shift ;;
      *) die "exec: unknown option '$1'" ;;
    esac
    shift
  done
  [[ $# -ge 2 ]] || die "exec: the program to run follows --"
  shift
  [[ -f "$state/hostfile" ]] || die "no hosts are up (cluster.sh up)"
  local hosts
  hosts="$(wc -l <"$state/hostfile")"
  # pml ob1 with btl tcp,self: no shared memory and no UCX, so ranks talk over
  # eth0 only; the daemons' own channel (oob) too. No tree spawn: host 1
  # starts every daemon. Environment (OMP_NUM_THREADS, ...) goes with the agent.
  # Each host looks to OpenMPI like a machine with a core to spare, so a rank
  # waiting for the others would spin; but all hosts share this machine's
  # cores, and spinning made each batch wait some 30 ms for a time slice: the
  # ranks yield instead.
  # shellcheck disable=SC2054  # "tcp,self" is one word
  local cmd=(mpirun --allow-run-as-root --hostfile "$state/hostfile" -np "$hosts" --map-by node
    --mca plm_rsh_agent "$state/agent" --mca plm_rsh_no_tree_spawn 1 --mca mpi_yield_when_idle 1
    --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet"
    "${mpi[@]}" "$@")
  ip netns exec "${host_prefix}1" unshare --uts /bin/sh -c "hostname ${host_prefix}1 && exec \"\$@\"" sh "${cmd[@]}"
}

run() {
  local up_args=() exec_args=()
  while [[ $# -gt 0 && "$1" != -- ]]; do
    case "$1" in
      --hosts | --netem | --drop) up_args+=("$1" "$2"); shift ;;
      --mpi) exec_args+=("$1" "$2"); shift ;;
      *) die "run: unknown option '$1'" ;;
    esac
    shift
  done
  # One cluster at a time: the names are fixed.
  mkdir -p "$(dirname "$state")"
  exec 9>"$state.lock"
  flock 9
  trap down EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  up "${up_args[@]}"
  # In the background, so a signal to this script runs the traps at once.
  local code=0
  mpi_exec "${exec_args[@]}" "$@" &
  wait $! || code=$?
  exit "$code"
}

link() {
  [[ $# -eq 2 && "$1" =~ ^[0-9]+$ && ( "$2" == up || "$2" == down ) ]] || die "link K up|down"
  ip -n "$switch" link set "host$1" "$2"
}

bytes() {
  [[ $# -eq 1 && "$1" =~ ^[0-9]+$ ]] || die "bytes K"
  ip netns exec "$host_prefix$1" cat /sys/class/net/eth0/statistics/tx_bytes
}

[[ $# -ge 1 ]] || { usage >&2; exit 2; }
command="$1"
shift
case "$command" in
  check) check "$@" ;;
  up) up "$@" ;;
  exec) mpi_exec "$@" ;;
  run) run "$@" ;;
  link) link "$@" ;;
  bytes) bytes "$@" ;;
  down) down ;;
  -h | --help) usage ;;
  *) die "unknown command '$command' (try --help)" ;;
esac
