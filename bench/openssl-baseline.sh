#!/usr/bin/env bash
# The guide's openssl command sequence for a whole bundle, as a baseline for the studio:
# a CA, then per worker genrsa (or genpkey) + req + x509 -req, then the kubectl key and certificate.
#   bench/openssl-baseline.sh WORKERS ALGORITHM     (rsa-2048 | ecdsa-p256); prints milliseconds
set -euo pipefail
workers="${1:-3}"
algorithm="${2:-rsa-2048}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
keygen() {
  case "$algorithm" in
    rsa-2048) openssl genrsa -out "$1" 2048 2> /dev/null ;;
    ecdsa-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
    *) echo "unknown algorithm $algorithm" >&2; exit 2 ;;
  esac
}
cat > openssl.cnf << "EOF2"
[req]
req_extensions = v3_req
distinguished_name = req_distinguished_name
[req_distinguished_name]
[ v3_req ]
basicConstraints = CA:FALSE
keyUsage = nonRepudiation, digitalSignature, keyEncipherment
subjectAltName = @alt_names
[alt_names]
IP.1 = $ENV::WORKER_IP
EOF2
start=$(date +%s%N)
keygen ca.key
openssl req -x509 -new -key ca.key -subj /CN=kube-ca -days 3650 -out ca.crt
for i in $(seq 1 "$workers"); do
  export WORKER_IP="10.$((i / 65536 % 256)).$((i / 256 % 256)).$((i % 256))"
  keygen "worker$i.key"
  chmod 600 "worker$i.key"
  openssl req -new -key "worker$i.key" -out "worker$i.csr" -subj "/CN=worker$i" -extensions v3_req -config openssl.cnf -sha256
  openssl x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -in "worker$i.csr" -out "worker$i.crt" -days 365 -extensions v3_req -extfile openssl.cnf -sha256 2> /dev/null
done
keygen kubectl.key
openssl req -new -nodes -key kubectl.key -out kubectl.csr -subj /CN=kubectl -sha256
openssl x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -in kubectl.csr -out kubectl.crt -days 365 -sha256 2> /dev/null
end=$(date +%s%N)
echo $(( (end - start) / 1000000 ))
