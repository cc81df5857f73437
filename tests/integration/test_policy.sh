#!/usr/bin/env bash
# Policies written as docs/policy.md shows them, evaluated against quotes from
# a running LAS: accepted or refused exactly as documented, each refusal
# naming its rule.
source "$(dirname "$0")/lib.sh"

state="$TEST_DIR/state"
start_las main "$state"
id=$("$LAS_BIN" id --las "$LAS_ADDR")
other=8A7B6C5D4E3F201918171615141312110F0E0D0C0B0A09080706050403020100
other2=3F9C0E5A8B1D2C4E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6
signer=9e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d
signer2=1111111111111111111111111111111111111111111111111111111111111111

attest() { # attest OUT [attest flags...]
  local out=$1
  shift
  expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --out "$TEST_DIR/$out" "$@"
}

# verify_ok POLICY QUOTE [flags...]: exit 0 and the OK line.
verify_ok() {
  local policy=$1 quote=$2
  shift 2
  expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/$quote" --policy "$TEST_DIR/$policy" "$@"
  grep -q '^OK: quote verified$' "$TEST_DIR/out" || fail "$policy/$quote: no OK line"
}

# verify_refused RULE POLICY QUOTE [flags...]: exit 1, refusal names RULE.
verify_refused() {
  local rule=$1 policy=$2 quote=$3
  shift 3
  expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/$quote" --policy "$TEST_DIR/$policy" "$@"
  grep -q "^REFUSED ($rule): " "$TEST_DIR/out" ||
    { cat "$TEST_DIR/out" >&2; fail "$policy/$quote: refusal does not name rule $rule"; }
  grep -Eq "^  FAIL  $rule " "$TEST_DIR/out" || fail "$policy/$quote: $rule not listed as FAIL"
}

echo "application v1" >"$TEST_DIR/app.so"
echo "application v2" >"$TEST_DIR/app2.so"
mre=$(sha256sum "$TEST_DIR/app.so" | cut -d' ' -f1)
attest app.bin --enclave-file "$TEST_DIR/app.so"
attest app-debug.bin --enclave-file "$TEST_DIR/app.so" --debug
attest app2.bin --enclave-file "$TEST_DIR/app2.so"
attest svn2.bin --mrsigner "$signer" --isvprodid 1 --isvsvn 2
attest svn3.bin --mrsigner "$signer" --isvprodid 1 --isvsvn 3
attest svn9.bin --mrsigner "$signer" --isvprodid 1 --isvsvn 9
attest prod2.bin --mrsigner "$signer" --isvprodid 2 --isvsvn 3
attest signer2.bin --mrsigner "$signer2" --isvprodid 1 --isvsvn 3
nonce=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
attest rd.bin --enclave-file "$TEST_DIR/app.so" --report-data "$nonce"
expect_rc 0 "$LAS_BIN" evidence --las "$LAS_ADDR" --out "$TEST_DIR/evidence.json"
root_pem="$state/sim-qe-root-ca.pem"

# --- Example 1: pin the workload to two platforms ----------------------------
cat >"$TEST_DIR/pinned.yaml" <<YAML
version: 1
name: two pinned machines
platforms:
  - $id   # node-a (las id)
  - $other   # node-b
attestation:
  mrenclave:
    - $mre
  max_age: 600
YAML
{ cat "$TEST_DIR/pinned.yaml"; printf 'security:\n  tolerate: [simulation]\n'; } >"$TEST_DIR/pinned-sim.yaml"
sed "s/$id/$other2/" "$TEST_DIR/pinned-sim.yaml" >"$TEST_DIR/pinned-elsewhere.yaml"

verify_ok pinned-sim.yaml app.bin
verify_refused simulation pinned.yaml app.bin
verify_refused platform pinned-elsewhere.yaml app.bin
verify_refused debug pinned-sim.yaml app-debug.bin
verify_refused mrenclave pinned-sim.yaml app2.bin
verify_refused max_age pinned-sim.yaml app.bin --at "$(date -u -d '+11 minutes' +%Y-%m-%dT%H:%M:%SZ)"
verify_ok pinned-sim.yaml app.bin --at "$(date -u -d '+9 minutes' +%Y-%m-%dT%H:%M:%SZ)"
verify_refused max_age pinned-sim.yaml app.bin --at "$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%SZ)"
grep -q 'in the future' "$TEST_DIR/out" || fail "a quote from the future is not called so"
pass "example 1 (two pinned platforms): accepted and refused as documented"

# --- Example 2: any platform, enclaves of one signer from SVN 3 -------------
cat >"$TEST_DIR/signer.yaml" <<YAML
version: 1
name: any platform, signer from SVN 3
attestation:
  signer:
    mrsigner: $signer
    isvprodid: 1
    isvsvn_min: 3
security:
  tolerate: [software-hardening-needed]
  ignore_advisories: [INTEL-SA-00615]
YAML
sed 's/tolerate: \[software-hardening-needed\]/tolerate: [software-hardening-needed, simulation]/' \
  "$TEST_DIR/signer.yaml" >"$TEST_DIR/signer-sim.yaml"
grep -q 'simulation\]' "$TEST_DIR/signer-sim.yaml" || fail "sed did not add simulation"

# Any platform whose evidence is given; in sim mode the evidence's simulated root must be pinned.
ev=(--evidence "$TEST_DIR/evidence.json" --sim-root "$root_pem")
verify_ok signer-sim.yaml svn3.bin "${ev[@]}"
verify_ok signer-sim.yaml svn9.bin "${ev[@]}"
grep -Eq '^  pass  platform .*vouched for by its evidence' "$TEST_DIR/out" || fail "evidence did not vouch"
grep -Eq '^  skip  tcb ' "$TEST_DIR/out" || fail "tcb rule not skipped without collateral"
verify_refused isvsvn_min signer-sim.yaml svn2.bin "${ev[@]}"
verify_refused isvprodid signer-sim.yaml prod2.bin "${ev[@]}"
verify_refused mrsigner signer-sim.yaml signer2.bin "${ev[@]}"
verify_refused platform signer-sim.yaml svn3.bin
grep -q 'no trust anchor' "$TEST_DIR/out" || fail "unpinned platform without evidence: no reason"
verify_refused evidence signer-sim.yaml svn3.bin --evidence "$TEST_DIR/evidence.json"
grep -q 'anchor: simulated evidence .* no trust anchor' "$TEST_DIR/out" || fail "unpinned simulated root: no reason"
verify_refused evidence signer.yaml svn3.bin "${ev[@]}"
grep -Eq '^  FAIL  simulation ' "$TEST_DIR/out" || fail "simulated quote and evidence: simulation not FAIL"
pass "example 2 (any platform of a signer from SVN 3): accepted and refused as documented"

# --- Example 3: a development policy for sim mode ---------------------------
cat >"$TEST_DIR/dev.yaml" <<YAML
version: 1
name: development (sim mode, NO SECURITY)
platforms: [$id]   # the development machine's LAS (las id)
attestation:
  mrenclave:
    - $mre
security:
  tolerate: [simulation, debug-mode]
YAML
verify_ok dev.yaml app.bin
verify_ok dev.yaml app-debug.bin
verify_refused mrenclave dev.yaml app2.bin
pass "example 3 (development policy): accepted and refused as documented"

# --- report_data, JSON, and flags combined with a policy ---------------------
printf 'platforms: [%s]\nattestation:\n  report_data: "%s"\nsecurity:\n  tolerate: [simulation]\n' \
  "$id" "$nonce" >"$TEST_DIR/rd.yaml"
verify_ok rd.yaml rd.bin
verify_refused report_data rd.yaml app.bin
# The nonce the verifier chose, supplied at verification time.
printf 'platforms: [%s]\nattestation:\n  nonce: prefix\nsecurity:\n  tolerate: [simulation]\n' \
  "$id" >"$TEST_DIR/nonce.yaml"
verify_ok nonce.yaml rd.bin --nonce "$nonce"
verify_ok nonce.yaml rd.bin --nonce "${nonce:0:8}"
verify_refused nonce nonce.yaml rd.bin
grep -q 'requires a nonce' "$TEST_DIR/out" || fail "missing nonce: no reason"
verify_refused nonce nonce.yaml rd.bin --nonce "${nonce:2}"
sed -i 's/nonce: prefix/nonce: exact/' "$TEST_DIR/nonce.yaml"
verify_ok nonce.yaml rd.bin --nonce "$nonce"
verify_refused nonce nonce.yaml rd.bin --nonce "${nonce:0:8}"

expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/app2.bin" --policy "$TEST_DIR/dev.yaml" --json
grep -q '"verified": false' "$TEST_DIR/out" || fail "--json: verified"
grep -q '"check": "mrenclave"' "$TEST_DIR/out" || fail "--json: refusing check"
[ "$(grep -c '"outcome": ' "$TEST_DIR/out")" = 15 ] || fail "--json: not 15 checks"
grep -q '"name": "development (sim mode, NO SECURITY)"' "$TEST_DIR/out" || fail "--json: name"
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/app.bin" --policy "$TEST_DIR/dev.yaml" --json
grep -q '"verified": true' "$TEST_DIR/out" || fail "--json: accepted"
pass "report_data, the nonce and --json with a policy"

grep -v '^platforms' "$TEST_DIR/dev.yaml" >"$TEST_DIR/dev-nopin.yaml"
verify_refused platform dev-nopin.yaml app.bin
verify_refused platform dev-nopin.yaml app.bin --platform "$other"
verify_ok dev-nopin.yaml app.bin --platform "$id"
verify_refused report_data dev.yaml app.bin --report-data 01
verify_refused simulation pinned.yaml app.bin
verify_ok pinned.yaml app.bin --allow-simulation
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/app.bin" --policy "$TEST_DIR/pinned.yaml" --platform "$other2"
pass "flags tighten a policy; --allow-simulation adds the toleration"

# --- malformed policies and exit codes --------------------------------------
printf 'version: 1\nattestation:\n  mrenclav: [%s]\n' "$mre" >"$TEST_DIR/bad.yaml"
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/app.bin" --policy "$TEST_DIR/bad.yaml"
grep -q "bad.yaml:3:3: unknown key 'mrenclav'" "$TEST_DIR/err" || fail "no line:column for unknown key"
printf 'security:\n  tolerate: [simulation, simulaton]\n' >"$TEST_DIR/bad2.yaml"
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/app.bin" --policy "$TEST_DIR/bad2.yaml"
grep -q "bad2.yaml:2:26: unknown toleration 'simulaton'" "$TEST_DIR/err" || fail "bad toleration"
printf 'name: a\nname: b\n' >"$TEST_DIR/bad3.yaml"
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/app.bin" --policy "$TEST_DIR/bad3.yaml"
grep -q "bad3.yaml:2:1: duplicate key 'name'" "$TEST_DIR/err" || fail "duplicate key"
expect_rc 3 "$LAS_BIN" verify "$TEST_DIR/app.bin" --policy "$TEST_DIR/missing.yaml"
expect_rc 3 "$LAS_BIN" verify "$TEST_DIR/missing.bin" --policy "$TEST_DIR/dev.yaml"
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/app.bin" --policy "$TEST_DIR/dev.yaml" --at yesterday
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/app.bin" --policy "$TEST_DIR/dev.yaml" --nonce abc
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/app.bin" --follow-successions
head -c 100 "$TEST_DIR/app.bin" >"$TEST_DIR/short.bin"
verify_refused signature dev.yaml short.bin
pass "malformed policies exit 2 with line:column; I/O errors exit 3"

stop_las "$LAS_PID"
