# Sourced by the scripts that need Debian packages (setup.sh, fuzz.sh).
#
# ensure_packages PKG...: installs those of PKG that are missing, with apt-get
# (through sudo when not root). Without dpkg/apt it lists them and returns.
# FITBENCH_SKIP_PACKAGES=1 skips the check.

ensure_packages() {
  local packages=("$@") missing=() pkg
  if [[ "${FITBENCH_SKIP_PACKAGES:-0}" == 1 ]]; then
    printf '\n==> Skipping the system package check (FITBENCH_SKIP_PACKAGES=1)\n' >&2
    return 0
  fi
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    printf '\n==> No dpkg/apt here: install the equivalents of these Debian packages yourself:\n' >&2
    printf '    %s\n' "${packages[@]}" >&2
    return 0
  fi
  printf '\n==> Checking system packages\n' >&2
  for pkg in "${packages[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)" != ii* ]]; then
      missing+=("$pkg")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "    all ${#packages[@]} packages are installed" >&2
    return 0
  fi
  echo "    missing: ${missing[*]}" >&2
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "not root and no sudo: install ${missing[*]} as root, then rerun" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  printf '\n==> apt-get update\n' >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  printf '\n==> apt-get install %s\n' "${missing[*]}" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}
