#!/usr/bin/env bash
# CI smoke run of the verifier benchmark (CTest label "bench"): it runs, every
# verification it times succeeds (it exits 3 otherwise), and it prints each
# figure next to its floor. No timing assertions.
set -euo pipefail
: "${LAS_VERIFY_BENCH:?LAS_VERIFY_BENCH must point to las-verify-bench}"
: "${LAS_SOURCE_DIR:?}"
out=$(mktemp /tmp/las-verify-bench-XXXXXX)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$out" >&2; exit 1; }

rc=0
"$LAS_VERIFY_BENCH" --iterations 500 --dcap-data "$LAS_SOURCE_DIR/../shared/testdata/dcap" \
  --evidence "$LAS_SOURCE_DIR/tests/fuzz/corpus/evidence/sim.json" >"$out" || rc=$?
cat "$out"
[ "$rc" -eq 0 ] || fail "las-verify-bench exited $rc"
grep -q '^  raw Ed25519 verify' "$out" || fail "no raw Ed25519 figure"
grep -Eq '^  ratio .* target >= 0.8: (PASS|MISS)$' "$out" || fail "no quote ratio"
if [ -r "$LAS_SOURCE_DIR/../shared/testdata/dcap/phala_sgx_quote.bin" ]; then
  grep -q '^  las_dcap_verify, no collateral' "$out" || fail "no DCAP figure"
  grep -q '^  collateral checked every call' "$out" || fail "no DCAP figure with collateral"
  grep -q '^  collateral checked once, reused' "$out" || fail "no DCAP figure with reused collateral"
else
  grep -q '^DCAP quotes: skipped' "$out" || fail "DCAP part not reported as skipped"
fi
grep -q '^  evidence beyond its quote' "$out" || fail "no evidence figure"
rc=0
"$LAS_VERIFY_BENCH" --iterations 1 >"$out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a bad --iterations was not a usage error"
echo "ok: las-verify-bench runs, its verifications succeed, figures printed"
