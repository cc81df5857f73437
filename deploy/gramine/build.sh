#!/usr/bin/env bash
# Renders, signs and prepares LAS for gramine-sgx (run on the SGX host, with
# Gramine installed). Usage:
#   deploy/gramine/build.sh [--las PATH] [--key KEY.pem] [--isvsvn N] [--out DIR]
# Then: cd OUT && gramine-sgx las
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
las_bin=$(cd "$here/../.." && pwd)/build/las
key="${HOME}/.config/gramine/enclave-key.pem"
isvsvn=1
out="$here/out"
while [ $# -gt 0 ]; do
  case "$1" in
    --las) las_bin=$(realpath "$2"); shift 2 ;;
    --key) key=$2; shift 2 ;;
    --isvsvn) isvsvn=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in gramine-manifest gramine-sgx-sign; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found: install Gramine (docs/hardware.md)" >&2; exit 3; }
done
[ -x "$las_bin" ] || { echo "build.sh: $las_bin not found: build LAS first (./scripts/build)" >&2; exit 3; }
[ -f "$key" ] || { echo "build.sh: signing key $key not found (gramine-sgx-gen-private-key)" >&2; exit 3; }
case "$isvsvn" in ''|*[!0-9]*) echo "build.sh: --isvsvn needs a number" >&2; exit 2 ;; esac

mkdir -p "$out"
arch_libdir=/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
gramine-manifest -Dlas_bin="$las_bin" -Darch_libdir="$arch_libdir" -Disvsvn="$isvsvn" \
  "$here/las.manifest.template" "$out/las.manifest"
gramine-sgx-sign --key "$key" --manifest "$out/las.manifest" --output "$out/las.manifest.sgx"
echo "build.sh: signed enclave in $out; run: cd $out && gramine-sgx las"
echo "build.sh: MRENCLAVE/MRSIGNER: gramine-sgx-sigstruct-view $out/las.sig"
