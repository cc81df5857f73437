#!/usr/bin/env bash
# Forgeries a verifier must refuse without a trust anchor (issue 13, item 1): without a trust anchor
# nothing is reported as verified, whatever else is tolerated, and the
# refusal names the anchor to supply. Each case was accepted before.
source "$(dirname "$0")/lib.sh"
: "${LAS_TEST_FORGE:?}"

state="$TEST_DIR/state"
start_las main "$state"
id=$("$LAS_BIN" id --las "$LAS_ADDR")
nonce=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --out "$TEST_DIR/q.bin" \
  --report-data "$nonce"
mrsigner=$(sed -n 's/^mrsigner: *//p' <("$LAS_BIN" inspect "$TEST_DIR/q.bin"))
[ -n "$mrsigner" ] || fail "las inspect does not show the MRSIGNER"

# --- a genuine simulated quote, simulation tolerated, no platform pinned ----
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation
grep -q '^REFUSED (platform): ' "$TEST_DIR/out" || fail "no platform refusal: $(cat "$TEST_DIR/out")"
grep -q -- '--platform' "$TEST_DIR/out" && grep -q -- '--policy' "$TEST_DIR/out" &&
  grep -q -- '--evidence' "$TEST_DIR/out" || fail "the refusal does not name the anchors to supply"
grep -q '^OK' "$TEST_DIR/out" && fail "an OK line on a refusal"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --json
grep -q '"verified": false' "$TEST_DIR/out" || fail "--json says verified"
pass "a simulated quote with --allow-simulation and no pin is refused, naming the anchors"

# --- a quote signed by a random key (not simulated) -------------------------
forger=$("$LAS_TEST_FORGE" "$TEST_DIR/q.bin" "$TEST_DIR/forged.bin" hw)
[ "$forger" != "$id" ] || fail "the forger has LAS's key"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/forged.bin"
grep -q '^REFUSED (platform): ' "$TEST_DIR/out" || fail "forged quote: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/forged.bin" --mrsigner "$mrsigner"
grep -q '^REFUSED (platform): ' "$TEST_DIR/out" || fail "forged quote, --mrsigner: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/forged.bin" --mrsigner "$mrsigner" --report-data "$nonce"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/forged.bin" --platform "$id"
grep -q '^REFUSED (platform): ' "$TEST_DIR/out" || fail "forged quote, pinned ID: $(cat "$TEST_DIR/out")"
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/forged.bin" --platform "$forger"
pass "a quote signed by a random key is refused, with and without --mrsigner (only its own pin accepts it)"

# --- empty policies ----------------------------------------------------------
printf '{}\n' >"$TEST_DIR/empty.yaml"
printf 'security:\n  tolerate: [simulation]\n' >"$TEST_DIR/sim-only.yaml"
printf 'attestation:\n  signer:\n    mrsigner: %s\n' "$mrsigner" >"$TEST_DIR/signer-only.yaml"
for p in empty sim-only signer-only; do
  for q in q forged; do
    expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/$q.bin" --policy "$TEST_DIR/$p.yaml" --allow-simulation
    grep -q '^REFUSED (platform): ' "$TEST_DIR/out" || fail "$p.yaml, $q: $(cat "$TEST_DIR/out")"
  done
done
pass "a policy without platforms refuses without evidence, whatever it tolerates"

# --- evidence without a trust anchor -----------------------------------------
expect_rc 0 "$LAS_BIN" evidence --las "$LAS_ADDR" --out "$TEST_DIR/e.json"
expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/e.json" --allow-simulation
grep -q '^REFUSED (' "$TEST_DIR/out" || fail "sim evidence without a root pin: $(cat "$TEST_DIR/out")"
grep -q -- '--sim-root' "$TEST_DIR/out" || fail "the refusal does not name --sim-root: $(cat "$TEST_DIR/out")"
expect_rc 0 "$LAS_BIN" verify-evidence "$TEST_DIR/e.json" --allow-simulation \
  --sim-root "$state/sim-qe-root-ca.pem"
grep -q "^platform_id: $id$" "$TEST_DIR/out" || fail "pinned sim root: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" platform-ids --las "$LAS_ADDR" --allow-simulation
[ ! -s "$TEST_DIR/out" ] || fail "platform-ids without a root pin printed: $(cat "$TEST_DIR/out")"
grep -q "no 'platforms:' line printed" "$TEST_DIR/err" || fail "platform-ids without a root pin: $(cat "$TEST_DIR/err")"

# An attacker's own simulated LAS: its evidence vouches for its own key only
# under its own (unpinned) simulated root.
start_las attacker "$TEST_DIR/attacker"
expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$TEST_DIR/attacker" --out "$TEST_DIR/qa.bin"
expect_rc 0 "$LAS_BIN" evidence --las "$LAS_ADDR" --out "$TEST_DIR/ea.json"
for p in sim-only signer-only; do
  expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/qa.bin" --policy "$TEST_DIR/$p.yaml" --allow-simulation \
    --evidence "$TEST_DIR/ea.json"
  grep -q '^REFUSED (' "$TEST_DIR/out" || fail "$p.yaml with the attacker's evidence: $(cat "$TEST_DIR/out")"
done
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/qa.bin" --policy "$TEST_DIR/sim-only.yaml" \
  --evidence "$TEST_DIR/ea.json" --sim-root "$state/sim-qe-root-ca.pem"
pass "simulated evidence without a pinned simulated root vouches for nothing"

# --- a DCAP quote without a trust anchor -------------------------------------
jq -r .hardware_quote "$TEST_DIR/e.json" | base64 -d >"$TEST_DIR/dcap.bin"
expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/dcap.bin" --allow-simulation
grep -q '^REFUSED (' "$TEST_DIR/out" && grep -q -- '--sim-root' "$TEST_DIR/out" ||
  fail "sim DCAP quote without a root pin: $(cat "$TEST_DIR/out")"
expect_rc 0 "$LAS_BIN" dcap verify "$TEST_DIR/dcap.bin" --allow-simulation \
  --sim-root "$state/sim-qe-root-ca.pem"
expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/dcap.bin" --allow-simulation \
  --sim-root "$TEST_DIR/attacker/sim-qe-root-ca.pem"
pass "a simulated DCAP quote needs its simulated root pinned"

# --- las inspect decodes and never says OK -----------------------------------
for f in q.bin forged.bin; do
  expect_rc 0 "$LAS_BIN" inspect "$TEST_DIR/$f"
  grep -q "^report_data: $nonce" "$TEST_DIR/out" || fail "inspect $f: $(cat "$TEST_DIR/out")"
  grep -Eq '^(OK|REFUSED)' "$TEST_DIR/out" && fail "inspect printed a verdict"
  grep -q 'NOT VERIFIED' "$TEST_DIR/out" || fail "inspect does not say it verified nothing"
done
pass "las inspect decodes a quote without a verdict"

# --- a quote dated beyond 2^63 (issue 12, item 5) ----------------------------
for t in 9223372036854775808 18446744073709551615; do
  far=$("$LAS_TEST_FORGE" "$TEST_DIR/q.bin" "$TEST_DIR/far.bin" hw "$t")
  expect_rc 0 "$LAS_BIN" inspect "$TEST_DIR/far.bin" --json
  grep -q "\"issued_at\": $t,\$" "$TEST_DIR/out" || fail "inspect --json: $(grep issued_at "$TEST_DIR/out")"
  expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/far.bin" --platform "$far" --json
  grep -q "\"issued_at\": $t,\$" "$TEST_DIR/out" || fail "verify --json: $(grep issued_at "$TEST_DIR/out")"
  [ "$(jq -r .check "$TEST_DIR/out")" = max_age ] || fail "a quote from the far future: $(jq -r .reason "$TEST_DIR/out")"
  expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/far.bin" --platform "$far"
  grep -q "^issued_at:   $t\$" "$TEST_DIR/out" || fail "text output: $(grep issued_at "$TEST_DIR/out")"
done
pass "issued_at beyond 2^63 is printed exactly (text and JSON) and refused as from the future"
