#!/usr/bin/env bash
# Proves that fitbench works on a fresh Debian 12 machine, as a new user meets it.
#
# Usage: bash scripts/fresh-check.sh [--deb] [--build-dir DIR] [--keep] [--refresh]
#
#   (default)  source check: a clean Debian 12 root (debootstrap --variant=minbase
#              bookworm) receives a clone of the current commit and runs exactly
#              the README's two commands there, headless:
#                bash scripts/run.sh --num-epochs 1
#                bash scripts/test.sh
#   --deb      package check: cpack -G DEB from a release build (a new one in
#              build-deb/ made by setup.sh, or --build-dir DIR), then, in a clean root,
#              apt-get install ./fitbench_*.deb (the main package only: no CUDA
#              library is on that machine), fitbench-cli on the packaged
#              Fashion-MNIST, fitbench-score and fitbench-export on its checkpoint, and fitbench
#              offscreen for a few seconds; desktop-file-validate on the entry.
#   --build-dir DIR  package the release build in DIR instead of making build-deb/
#   --keep     leave the root folder behind for a look (mounts are always undone)
#   --refresh  make the cached base root again
#
# Needs root (it mounts /proc, /sys and /dev into the root and chroots); it
# installs debootstrap (and, for --deb, desktop-file-utils) on
# this machine when they are missing. Prints each command's result and the
# tail of its log; exits non-zero if any fails.
#
# Environment:
#   FITBENCH_FRESH_CACHE   where the base root tarball is kept (default ~/.cache/fitbench)
#   FITBENCH_FRESH_WORK    where roots are unpacked (default /var/tmp)
#   FITBENCH_FRESH_LOGS    where the logs go (default build-fresh-check/)
#   FITBENCH_DEBIAN_MIRROR Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

mode=source
keep=0
refresh=0
deb_build_dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --deb) mode=deb ;;
    --build-dir) deb_build_dir="${2:?--build-dir needs a folder}"; shift ;;
    --keep) keep=1 ;;
    --refresh) refresh=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "fresh-check.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo --preserve-env=FITBENCH_FRESH_CACHE,FITBENCH_FRESH_WORK,FITBENCH_FRESH_LOGS,FITBENCH_DEBIAN_MIRROR \
      bash "${BASH_SOURCE[0]}" "$@"
  fi
  echo "fresh-check.sh: needs root (to mount and chroot) and there is no sudo; run it as root" >&2
  exit 1
fi

cache="${FITBENCH_FRESH_CACHE:-${HOME:-/root}/.cache/fitbench}"
work="${FITBENCH_FRESH_WORK:-/var/tmp}"
logs="${FITBENCH_FRESH_LOGS:-$repo/build-fresh-check}"
mirror="${FITBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tarball="$cache/debian12-minbase.tar.gz"
mkdir -p "$cache" "$work" "$logs"
rm -f "$logs"/*.log

step() { printf '\n==> %s\n' "$*" >&2; }

# --- Host tools ----------------------------------------------------------------
host_packages=(debootstrap git)
[[ "$mode" == deb ]] && host_packages+=(desktop-file-utils)
missing=()
for pkg in "${host_packages[@]}"; do
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)" == ii* ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  step "Installing on this machine: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- The base root, cached -----------------------------------------------------
if [[ "$refresh" == 1 || ! -s "$tarball" ]]; then
  step "debootstrap --variant=minbase bookworm (cached as $tarball)"
  base="$(mktemp -d "$work/fitbench-base.XXXXXX")"
  if ! debootstrap --variant=minbase bookworm "$base" "$mirror" >"$logs/debootstrap.log" 2>&1; then
    tail -n 30 "$logs/debootstrap.log" >&2
    rm -rf --one-file-system "$base"
    echo "fresh-check.sh: debootstrap failed (log: $logs/debootstrap.log)" >&2
    exit 1
  fi
  tar -C "$base" -czf "$tarball.part" . && mv "$tarball.part" "$tarball"
  rm -rf --one-file-system "$base"
fi

# --- A clean root, with its mounts undone on any exit ----------------------------
roots=()
mounts=()

cleanup() {
  local status=$?
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount -R "${mounts[$i]}" 2>/dev/null || umount -R -l "${mounts[$i]}" 2>/dev/null || true
  done
  for root in "${roots[@]}"; do
    # Never delete through a mount that is still there (it could be this machine's /dev).
    if grep -q " $root/" /proc/mounts; then
      echo "fresh-check.sh: $root still has mounts; leaving it in place" >&2
    elif [[ "$keep" == 1 ]]; then
      echo "fresh-check.sh: kept $root" >&2
    else
      rm -rf --one-file-system "$root"
    fi
  done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Unpacks the base into a new folder, sets `root` to it and mounts what a
# running system has (not in a subshell: the cleanup needs `roots` and `mounts`).
new_root() {
  root="$(mktemp -d "$work/fitbench-fresh.XXXXXX")"
  roots+=("$root")
  tar -C "$root" -xzf "$tarball"
  # What the Debian installer writes and a bare debootstrap lacks.
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$(hostname)" \
    >"$root/etc/hosts"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" >"$root/etc/apt/sources.list"
  mount -t proc proc "$root/proc" && mounts+=("$root/proc")
  mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" && mounts+=("$root/sys")
  mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounts+=("$root/dev")
}

# Runs a bash command in `root` as a login of a new user would: a clean
# environment, no display. Its output goes to `log`; returns its exit code.
in_root() {
  local root="$1" log="$2" command="$3"
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "$command" >"$log" 2>&1
}

results=()
failed=0
# check NAME ROOT COMMAND [WHAT]: runs COMMAND, prints the result and the tail
# of its log. WHAT says what it does in the summary (default: COMMAND itself).
check() {
  local name="$1" root="$2" command="$3" what="${4:-$3}"
  local log="$logs/$name.log" start end status=0
  step "[$name] $what"
  start=$(date +%s)
  in_root "$root" "$log" "$command" || status=$?
  end=$(date +%s)
  tail -n 25 "$log" | sed 's/^/    | /' >&2
  local verdict=passed
  if [[ $status -ne 0 ]]; then
    verdict="FAILED (exit $status)"
    failed=1
  fi
  results+=("$(printf '%-14s %-18s %5d s   %s' "$name" "$verdict" $((end - start)) "$what")")
  echo "    $name: $verdict in $((end - start)) s (log: $log)" >&2
}

summary() {
  step "Summary ($mode check of $(git -C "$repo" rev-parse --short HEAD))"
  printf '    %s\n' "${results[@]}" >&2
}

commit="$(git -C "$repo" rev-parse HEAD)"
if [[ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]]; then
  echo "fresh-check.sh: note: uncommitted changes are not part of the check (it uses commit ${commit:0:7})" >&2
fi

if [[ "$mode" == source ]]; then
  new_root
  step "Cloning commit ${commit:0:7} into a clean root ($root)"
  git clone --quiet --no-checkout "$repo" "$root/root/fitbench"
  git -C "$root/root/fitbench" checkout --quiet --detach "$commit"
  check run.sh "$root" "cd /root/fitbench && bash scripts/run.sh --num-epochs 1"
  # The packages setup.sh found missing on the fresh root, for the record.
  sed -n 's/^    missing: /    setup.sh installed: /p' "$logs/run.sh.log" >&2
  check test.sh "$root" "cd /root/fitbench && bash scripts/test.sh"
  sed -n 's/^    missing: /    test.sh added: /p' "$logs/test.sh.log" >&2
  summary
  exit "$failed"
fi

# --- --deb ---------------------------------------------------------------------
if [[ -z "$deb_build_dir" ]]; then
  deb_build_dir="$repo/build-deb"
  step "Release build of the packaged programs in $deb_build_dir"
  FITBENCH_BUILD_DIR="$deb_build_dir" FITBENCH_TESTS=OFF bash scripts/setup.sh >"$logs/deb-build.log" 2>&1 ||
    { tail -n 30 "$logs/deb-build.log" >&2; echo "fresh-check.sh: the release build failed" >&2; exit 1; }
fi
step "cpack -G DEB in $deb_build_dir"
# Configure again: the build may predate a package setup.sh added (help2man).
{ cmake "$deb_build_dir" && cmake --build "$deb_build_dir"; } >"$logs/deb-build.log" 2>&1 ||
  { tail -n 30 "$logs/deb-build.log" >&2; echo "fresh-check.sh: the build in $deb_build_dir failed" >&2; exit 1; }
rm -f "$deb_build_dir"/fitbench*.deb
(cd "$deb_build_dir" && cpack -G DEB) >"$logs/cpack.log" 2>&1 ||
  { tail -n 30 "$logs/cpack.log" >&2; echo "fresh-check.sh: cpack failed" >&2; exit 1; }
main_deb="$(ls "$deb_build_dir"/fitbench_*.deb)"
echo "    $(basename "$main_deb"): $(dpkg-deb -f "$main_deb" Depends)" >&2
for deb in "$deb_build_dir"/fitbench*.deb; do echo "    made $(basename "$deb")" >&2; done

step "desktop-file-validate on the packaged entry"
unpacked="$(mktemp -d)"
dpkg-deb -x "$main_deb" "$unpacked"
if desktop-file-validate "$unpacked/usr/share/applications/fitbench.desktop"; then
  results+=("$(printf '%-14s %-18s %5s     %s' desktop-file passed - "desktop-file-validate")")
else
  results+=("$(printf '%-14s %-18s %5s     %s' desktop-file FAILED - "desktop-file-validate")")
  failed=1
fi
rm -rf "$unpacked"

new_root
cp "$main_deb" "$root/root/"
check install "$root" "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q /root/$(basename "$main_deb")"
check contents "$root" '
  bad=0
  for file in /usr/share/icons/hicolor/scalable/apps/fitbench.svg /usr/share/applications/fitbench.desktop; do
    [ -s $file ] || { echo "missing: $file"; bad=1; }
  done
  for tool in fitbench fitbench-cli fitbench-score fitbench-predict fitbench-export fitbench-im2rec; do
    [ -x /usr/bin/$tool ] || { echo "missing: /usr/bin/$tool"; bad=1; }
    [ -s /usr/share/man/man1/$tool.1.gz ] || { echo "missing: the man page of $tool"; bad=1; }
    if ldd /usr/bin/$tool | grep "not found"; then echo "$tool lacks a library"; bad=1; fi
  done
  if ldconfig -p | grep -E "libcudart|libcublas|libcudnn|libnccl"; then echo "a CUDA library is on this root"; bad=1; fi
  [ $bad -eq 0 ] && echo "programs, man pages, icon and desktop entry in place; no CUDA library on this machine"' \
  "every program, man page, icon and the desktop entry are installed; no CUDA library is"
check train "$root" "cd /root && fitbench-cli --network mlp --num-epochs 1 --model-prefix /root/m/mlp"
check no-gpu "$root" '
  fitbench-cli --help | tail -n 1
  if fitbench-cli --gpus 0 --network mlp --num-epochs 1 2>/tmp/gpus.err; then echo "--gpus 0 trained without a GPU module"; exit 1; fi
  cat /tmp/gpus.err
  grep -q "fitbench-cuda" /tmp/gpus.err' "--help and --gpus 0 say the GPU module is missing and what to install"
check score "$root" "cd /root && fitbench-score --model-prefix /root/m/mlp --load-epoch 1"
check export "$root" "cd /root && fitbench-export --model-prefix /root/m/mlp --load-epoch 1 --onnx /root/mlp.onnx"
check gui "$root" '
  cd /root && QT_QPA_PLATFORM=offscreen timeout 8 fitbench --num-epochs 1
  status=$?
  if [ $status -eq 124 ]; then echo "fitbench ran offscreen for 8 s"; exit 0; fi
  echo "fitbench ended by itself with status $status"; exit 1' \
  "fitbench starts offscreen and keeps running for 8 s"
summary
exit "$failed"
