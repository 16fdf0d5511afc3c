#!/usr/bin/env bash
# Fuzzes what users hand the studio -- project files, PEM imports, bundles -- with cargo-fuzz
# (libFuzzer), each target for a fixed number of executions, and prints the counts.
#   scripts/fuzz.sh [RUNS]      default 100000 executions per target
# Not part of `make test` (it takes minutes); run it before releases and after parser changes.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-100000}"
export PATH="$HOME/.cargo/bin:$PATH"
# cargo-fuzz passes -Z flags; this machine kind ships only the stable toolchain.
export RUSTC_BOOTSTRAP=1

command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked

# Seeds: real inputs of each kind, made by the CLI.
cargo build -q --release --locked -p worker-studio-cli
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
target/release/worker-studio init > "$seeds/cluster.yaml"
target/release/worker-studio generate --spec "$seeds/cluster.yaml" --out "$seeds/bundle.zip" --include-ca-key 2> /dev/null
target/release/worker-studio generate --spec "$seeds/cluster.yaml" --out "$seeds/tree" --include-ca-key 2> /dev/null
target/release/worker-studio init --profile current > "$seeds/current.yaml"
target/release/worker-studio generate --spec "$seeds/current.yaml" --out "$seeds/current.zip" 2> /dev/null
for target in spec_yaml pem_import bundle_reader; do
  mkdir -p "fuzz/corpus/$target"
done
cp "$seeds/cluster.yaml" fuzz/corpus/spec_yaml/default.yaml
cp "$seeds/tree/ca-host/HOME/ca.crt" fuzz/corpus/pem_import/ca.crt
cp "$seeds/tree/ca-host/HOME/ca.key" fuzz/corpus/pem_import/ca.key
cp "$seeds/bundle.zip" fuzz/corpus/bundle_reader/bundle.zip
cp "$seeds/current.yaml" fuzz/corpus/spec_yaml/current.yaml
cp "$seeds/current.zip" fuzz/corpus/bundle_reader/current.zip

printf '%-15s %12s %10s %8s\n' target executions seconds crashes
for target in spec_yaml pem_import bundle_reader; do
  log="fuzz/$target.log"
  status=0
  (cd fuzz && cargo fuzz run --release "$target" -- -runs="$RUNS" -max_len=65536 -rss_limit_mb=4096) > "$log" 2>&1 || status=$?
  done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1 || true)
  runs=$(echo "$done_line" | awk '{print $2}')
  secs=$(echo "$done_line" | awk '{print $5}')
  crashes=$(find "fuzz/artifacts/$target" -type f 2> /dev/null | wc -l)
  printf '%-15s %12s %10s %8s\n' "$target" "${runs:-?}" "${secs:-?}" "$crashes"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    echo "fuzz: $target failed; see $log and fuzz/artifacts/$target" >&2
    exit 1
  fi
done
