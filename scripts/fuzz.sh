#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (the fuzz preset: clang with ASan and
# UBSan, in build-fuzz/) and runs each for SECONDS, one after another, from its
# seed corpus fuzz/seeds/<target>/ and the corpus earlier runs grew in
# build-fuzz/corpus/<target>/. Installs clang and libFuzzer if missing.
#
# Usage: bash scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  per target (default 30)
#   TARGET   idx params states symbol_json recordio image_header fit_args
#            (default: all)
#
# Prints a table: executions, executions per second, corpus size and
# findings per target. A finding (crash, sanitizer report, uncaught
# exception other than fitbench::Error, an allocation over 1 GiB, an input
# taking over 10 s) is saved in build-fuzz/findings/<target>/ (cleared when
# that target runs again); reproduce it
# with: build-fuzz/fuzz/fuzz_<target> FILE
# Exit code: 0 when nothing was found, 1 when something was, 2 on bad usage.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/packages.sh
source scripts/lib/packages.sh

all_targets=(idx params states symbol_json recordio image_header fit_args)
seconds=30
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [[ " ${all_targets[*]} " != *" $t "* ]]; then
    echo "fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
    exit 2
  fi
done

# Clang, its libFuzzer and sanitizer runtimes, and its OpenMP; the rest as for a build without Qt.
ensure_packages clang libclang-rt-14-dev libomp-dev build-essential cmake ninja-build pkg-config \
  libopenblas-dev nlohmann-json3-dev zlib1g-dev libjpeg62-turbo-dev libpng-dev libprotobuf-dev protobuf-compiler

build_dir=build-fuzz
printf '\n==> Building the fuzz targets (cmake --preset fuzz)\n' >&2
cmake --preset fuzz >/dev/null
cmake --build "$build_dir" -j"$(nproc 2>/dev/null || echo 2)" --target "${targets[@]/#/fuzz_}"

# Per-input limits: an input file is at most max_len bytes (a symbol JSON
# needs more room than a header); no single allocation may exceed 1 GiB.
max_len() {
  case "$1" in
    symbol_json) echo 16384 ;;
    params) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

found=0
rows=()
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  findings="$build_dir/findings/$t"
  log="$build_dir/logs/$t.log"
  rm -rf "$findings"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  printf '\n==> fuzz_%s for %s s\n' "$t" "$seconds" >&2
  status=0
  "$build_dir/fuzz/fuzz_$t" "$corpus" "fuzz/seeds/$t" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$findings/" >"$log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  inputs="$(find "$corpus" -type f | wc -l)"
  crashes="$(find "$findings" -type f | wc -l)"
  if [[ "$status" -ne 0 ]]; then
    found=1
    echo "    fuzz_$t stopped with exit code $status; the report:" >&2
    grep -E 'ERROR|SUMMARY|terminate|what\(\)|#[0-9]+ 0x' "$log" | head -30 >&2 || tail -30 "$log" >&2
  fi
  rows+=("$(printf '%-14s %12s %10s %8s %9s' "$t" "${execs:-?}" "${rate:-?}" "$inputs" "$crashes")")
done

printf '\n%-14s %12s %10s %8s %9s\n' target executions 'execs/s' corpus findings
printf '%s\n' "${rows[@]}"
printf 'logs in %s/logs, findings in %s/findings\n' "$build_dir" "$build_dir"
exit "$found"
