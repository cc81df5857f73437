#!/usr/bin/env bash
# The Gramine manifest template and its build script (no Gramine here).
source "$(dirname "$0")/lib.sh"
: "${LAS_SOURCE_DIR:?}"
tmpl="$LAS_SOURCE_DIR/deploy/gramine/las.manifest.template"
build="$LAS_SOURCE_DIR/deploy/gramine/build.sh"

grep -q '^sgx.debug = false$' "$tmpl" || fail "manifest must not be a debug enclave"
grep -q '^sgx.remote_attestation = "dcap"$' "$tmpl" || fail "manifest must use DCAP"
grep -q '^loader.argv = \["las", "serve", "--mode", "sgx"' "$tmpl" || fail "fixed argv in sgx mode"
grep -q 'sys.enable_sigterm_injection = true' "$tmpl" || fail "SIGTERM must reach LAS"
prodid=$(sed -n 's/^sgx.isvprodid = \([0-9]*\)$/\1/p' "$tmpl")
hdr=$(sed -n 's/^#define LAS_ISVPRODID 0x\([0-9A-Fa-f]*\).*/\1/p' "$LAS_SOURCE_DIR/src/format/las_enclave.h")
[ -n "$prodid" ] && [ "$prodid" = "$((16#$hdr))" ] || fail "manifest ISVPRODID $prodid != LAS_ISVPRODID 0x$hdr"
grep -q 'insecure__' "$tmpl" && fail "manifest uses an insecure__ option"
pass "manifest template: non-debug, DCAP, fixed argv, ISVPRODID matches the code"

expect_rc 0 bash "$build" --help
expect_rc 2 bash "$build" --bogus
if ! command -v gramine-manifest >/dev/null; then
  expect_rc 3 env PATH=/usr/bin:/bin bash "$build"
  grep -q 'install Gramine' "$TEST_DIR/err" || fail "build.sh without Gramine: no clear message"
fi
pass "build.sh: help, usage errors and missing Gramine reported clearly"
