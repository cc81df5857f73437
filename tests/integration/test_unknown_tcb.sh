#!/usr/bin/env bash
# Hardware evidence and DCAP quotes WITHOUT collateral fail closed (issue 12.1):
# refused by every CLI verifier with a reason that says to supply collateral
# or tolerate an unknown TCB; accepted with --allow-unknown-tcb (or the policy
# toleration unknown-tcb), the TCB status then reported as Unknown; with
# collateral judged as before. Uses Intel's real quote in ../shared/testdata.
source "$(dirname "$0")/lib.sh"
: "${LAS_FAKE_LAS:?}"

data="${LAS_SOURCE_DIR:?}/../shared/testdata/dcap"
if [ ! -r "$data/phala_sgx_quote.bin" ] || [ ! -r "$data/phala_sgx_quote_collateral.json" ]; then
  echo "SKIP: $data is absent"
  exit 77
fi
quote="$data/phala_sgx_quote.bin"
col="$data/phala_sgx_quote_collateral.json"
at=2025-07-01T00:00:00Z # inside the collateral's window (docs/dcap.md)

# --- las dcap verify --------------------------------------------------------------------
expect_rc 1 "$LAS_BIN" dcap verify "$quote" --at "$at"
grep -q '^REFUSED (collateral): no collateral: the TCB status of this hardware platform is unknown' \
  "$TEST_DIR/out" || fail "dcap verify without collateral: $(cat "$TEST_DIR/out")"
grep -q -- '--collateral FILE' "$TEST_DIR/out" && grep -q -- '--allow-unknown-tcb' "$TEST_DIR/out" ||
  fail "the refusal does not say what to do: $(cat "$TEST_DIR/out")"
! grep -q '^OK' "$TEST_DIR/out" || fail "an OK line on a refusal"
expect_rc 1 "$LAS_BIN" dcap verify "$quote" --at "$at" --json
[ "$(jq -r '.verified, .check' "$TEST_DIR/out" | tr '\n' ' ')" = "false collateral " ] ||
  fail "--json refusal: $(cat "$TEST_DIR/out")"
expect_rc 0 "$LAS_BIN" dcap verify "$quote" --at "$at" --allow-unknown-tcb
grep -q '^tcb_status: *Unknown (no collateral; tolerated' "$TEST_DIR/out" ||
  fail "tolerated: the status is not Unknown: $(cat "$TEST_DIR/out")"
grep -q '^OK: DCAP quote verified$' "$TEST_DIR/out" || fail "tolerated: no OK line"
expect_rc 0 "$LAS_BIN" dcap verify "$quote" --at "$at" --allow-unknown-tcb --json
[ "$(jq -r .tcb_status "$TEST_DIR/out")" = Unknown ] || fail "--json: tcb_status $(cat "$TEST_DIR/out")"
for extra in "" --allow-unknown-tcb; do
  expect_rc 0 "$LAS_BIN" dcap verify "$quote" --collateral "$col" --at "$at" $extra
  grep -q '^tcb_status: *ConfigurationAndSWHardeningNeeded$' "$TEST_DIR/out" ||
    fail "with collateral ($extra): $(cat "$TEST_DIR/out")"
done
pass "dcap verify: refused without collateral, Unknown when tolerated, unchanged with collateral"

# --- hardware evidence -------------------------------------------------------------------
# An evidence document around the real quote: its report body is the quoted
# one, so the hardware quote verifies; its report data binds no platform key
# (no LAS ran on that machine), so the best it can reach is check "binding".
# Which check refuses shows whether the missing collateral was let through.
start_las one "$TEST_DIR/one"
id=$("$LAS_BIN" id --las "$LAS_ADDR")
expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$TEST_DIR/one" --out "$TEST_DIR/q.bin"
jq -n --arg id "$id" --arg body "$(dd if="$quote" bs=1 skip=48 count=384 2>/dev/null | base64 -w0)" \
  --arg hq "$(base64 -w0 "$quote")" \
  '{version: 1, platform_id: $id, platform_key: {cpusvn: "00000000000000000000000000000000",
    isvsvn: 0}, report_body: $body, quote_format: "dcap", hardware_quote: $hq}' >"$TEST_DIR/hw.json"
mrs=(--las-mrsigner 815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6)

expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/hw.json" "${mrs[@]}" --at "$at"
grep -q '^REFUSED (hardware_quote): collateral: no collateral' "$TEST_DIR/out" ||
  fail "verify-evidence without collateral: $(cat "$TEST_DIR/out")"
grep -q -- '--allow-unknown-tcb' "$TEST_DIR/out" || fail "verify-evidence: no hint"
expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/hw.json" "${mrs[@]}" --at "$at" --allow-unknown-tcb
grep -q '^REFUSED (binding)' "$TEST_DIR/out" || fail "tolerated: not past the quote: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/hw.json" "${mrs[@]}" --at "$at" --collateral "$col"
grep -q '^REFUSED (binding)' "$TEST_DIR/out" || fail "with collateral: $(cat "$TEST_DIR/out")"
pass "verify-evidence: refused without collateral; tolerated or with collateral the quote passes"

"$LAS_FAKE_LAS" "$TEST_DIR/hw.json" >"$TEST_DIR/fake.port" &
LAS_PIDS+=("$!")
for _ in $(seq 1 100); do grep -q port "$TEST_DIR/fake.port" && break; sleep 0.05; done
fake="127.0.0.1:$(awk '{print $2}' "$TEST_DIR/fake.port")"
expect_rc 1 "$LAS_BIN" platform-ids --las "$fake" "${mrs[@]}" --at "$at"
grep -q "$fake: evidence REFUSED (hardware_quote): collateral: no collateral" "$TEST_DIR/err" ||
  fail "platform-ids without collateral: $(cat "$TEST_DIR/err")"
[ ! -s "$TEST_DIR/out" ] || fail "platform-ids printed: $(cat "$TEST_DIR/out")" # no empty platforms line
expect_rc 1 "$LAS_BIN" platform-ids --las "$fake" "${mrs[@]}" --at "$at" --allow-unknown-tcb
grep -q "$fake: evidence REFUSED (binding)" "$TEST_DIR/err" || fail "platform-ids tolerated: $(cat "$TEST_DIR/err")"
pass "platform-ids: the same refusal, the same toleration"

# las verify --evidence: the evidence rule carries the refusal; the flag and
# the policy toleration both let the quote through to the binding check.
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --platform "$id" --allow-simulation \
  --evidence "$TEST_DIR/hw.json" "${mrs[@]}"
grep -q '^REFUSED (evidence): the platform evidence was refused: hardware_quote: collateral: no collateral' \
  "$TEST_DIR/out" || fail "verify --evidence without collateral: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --platform "$id" --allow-simulation \
  --evidence "$TEST_DIR/hw.json" "${mrs[@]}" --allow-unknown-tcb
grep -q '^REFUSED (evidence): .*: binding: ' "$TEST_DIR/out" || fail "--allow-unknown-tcb: $(cat "$TEST_DIR/out")"
cat >"$TEST_DIR/tolerant.yaml" <<YAML
version: 1
platforms: [$id]
security:
  tolerate: [simulation, unknown-tcb]
YAML
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --policy "$TEST_DIR/tolerant.yaml" \
  --evidence "$TEST_DIR/hw.json" "${mrs[@]}"
grep -q '^REFUSED (evidence): .*: binding: ' "$TEST_DIR/out" || fail "unknown-tcb policy: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --platform "$id" --allow-simulation \
  --evidence "$TEST_DIR/hw.json" "${mrs[@]}" --collateral "$col" --at "$at"
grep -q '^REFUSED (evidence): .*: binding: ' "$TEST_DIR/out" || fail "verify with collateral: $(cat "$TEST_DIR/out")"
# Without evidence the pinned platform needs none of this.
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q.bin" --platform "$id" --allow-simulation
pass "verify --evidence: refused without collateral; --allow-unknown-tcb or unknown-tcb let it through"
stop_las "$LAS_PID"
