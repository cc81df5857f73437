#!/usr/bin/env bash
# The README tour: serve, attest, verify, read the platform ID, stop.
source "$(dirname "$0")/lib.sh"
: "${LAS_TEST_REPORT:?}"

state="$TEST_DIR/state"
start_las main "$state"

id=$("$LAS_BIN" id --las "$LAS_ADDR")
[[ "$id" =~ ^[0-9A-F]{64}$ ]] || fail "las id printed '$id'"
pass "las id prints a 64-hex-digit ID"

log_id=$(grep 'public key' "$LAS_LOG" | tail -n 1 | awk '{print $8}')
[ "$log_id" = "$id" ] || fail "awk line gave '$log_id', expected $id"
pass "grep 'public key' | awk '{print \$8}' gives the ID"

# The verifier chooses a fresh nonce; the enclave puts it into its report data.
nonce=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --out "$TEST_DIR/q.bin" \
  --report-data "$nonce" --report-out "$TEST_DIR/r.bin"
[ "$(stat -c %s "$TEST_DIR/q.bin")" = 520 ] || fail "quote is not 520 bytes"
[ "$(stat -c %s "$TEST_DIR/r.bin")" = 432 ] || fail "report is not 432 bytes"
pass "las attest writes a 520-byte quote and the 432-byte REPORT"

# Address from the environment, as documented.
LAS_ADDR_SAVED=$LAS_ADDR
expect_rc 0 env LAS_ADDR="$LAS_ADDR" LAS_STATE_DIR="$state" "$LAS_BIN" attest --out "$TEST_DIR/q2.bin"
expect_rc 0 env -u LAS_ADDR SCONE_LAS_ADDR="$LAS_ADDR" "$LAS_BIN" id
pass "LAS_ADDR, SCONE_LAS_ADDR and LAS_STATE_DIR are honoured"
LAS_ADDR=$LAS_ADDR_SAVED

expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --platform "$id" --nonce "$nonce"
grep -q '^OK: quote verified' "$TEST_DIR/out" || fail "no OK line"
grep -Eq '^  pass  nonce ' "$TEST_DIR/out" || fail "the nonce was not checked"
pass "verify with the right platform ID and the verifier's nonce exits 0"

expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation
grep -q '^REFUSED (platform): .*no trust anchor' "$TEST_DIR/out" || fail "no pin: $(cat "$TEST_DIR/out")"
pass "verify without a pinned platform is refused (fail closed)"

expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --platform "$id" --nonce 00112233
grep -q '^REFUSED (nonce): ' "$TEST_DIR/out" || fail "another nonce: $(cat "$TEST_DIR/out")"
pass "a quote made for another nonce (a replay) is refused"

other=$(printf 'A%.0s' $(seq 1 64))
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --platform "$other"
grep -q 'REFUSED (platform)' "$TEST_DIR/out" || fail "refusal does not name the platform check"
pass "verify with another platform ID exits 1 and names the check"

expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --platform "$id"
grep -q 'REFUSED (simulation)' "$TEST_DIR/out" || fail "simulated quote not refused by default"
pass "simulated quotes are refused unless --allow-simulation"

expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --platform "$id" --report-data "$nonce"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --platform "$id" --report-data 00112234
grep -q '^REFUSED (report_data): ' "$TEST_DIR/out" || fail "report data: $(cat "$TEST_DIR/out")"
pass "report data is checked"

expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --platform "$id" \
  --at "$(date -u -d '+11 minutes' +%Y-%m-%dT%H:%M:%SZ)"
grep -q '^REFUSED (max_age): .*the default' "$TEST_DIR/out" || fail "default max_age: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --platform "$id" \
  --at "$(date -u -d '-5 minutes' +%Y-%m-%dT%H:%M:%SZ)"
grep -q '^REFUSED (max_age): .*in the future' "$TEST_DIR/out" || fail "future quote: $(cat "$TEST_DIR/out")"
pass "a default max_age applies, and a quote from the future is refused"

expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --out "$TEST_DIR/qd.bin" \
  --debug --mrenclave "$(printf '12%.0s' $(seq 1 32))" --isvsvn 7
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/qd.bin" --allow-simulation --platform "$id"
grep -q 'REFUSED (debug)' "$TEST_DIR/out" || fail "debug enclave not refused"
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/qd.bin" --allow-simulation --allow-debug --platform "$id" \
  --mrenclave "$(printf '12%.0s' $(seq 1 32))" --json
grep -q '"verified": true' "$TEST_DIR/out" || fail "--json does not say verified"
grep -q '"isvsvn": 7' "$TEST_DIR/out" || fail "--json lacks the enclave's isvsvn"
pass "debug enclaves need --allow-debug; --mrenclave and --json work"

echo enclave-binary >"$TEST_DIR/enclave.so"
expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" \
  --enclave-file "$TEST_DIR/enclave.so" --out "$TEST_DIR/qf.bin"
mre=$(sha256sum "$TEST_DIR/enclave.so" | cut -d' ' -f1)
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/qf.bin" --allow-simulation --platform "$id" --mrenclave "$mre"
pass "--enclave-file gives MRENCLAVE = SHA-256 of the file"

head -c 519 "$TEST_DIR/q.bin" >"$TEST_DIR/short.bin"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/short.bin" --allow-simulation
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/q.bin" --platform XYZ
expect_rc 3 "$LAS_BIN" verify "$TEST_DIR/missing.bin"
expect_rc 2 "$LAS_BIN" bogus-command
expect_rc 3 "$LAS_BIN" id --las 127.0.0.1:1
pass "exit codes: 1 refused, 2 usage, 3 I/O"

expect_rc 3 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$TEST_DIR/typo" --out "$TEST_DIR/x.bin"
grep -q "no simulated CPU in $TEST_DIR/typo" "$TEST_DIR/err" || fail "missing state dir: no clear message"
[ ! -e "$TEST_DIR/typo" ] && [ ! -e "$TEST_DIR/x.bin" ] || fail "las attest created something for a missing state dir"
pass "las attest with a missing state directory fails clearly and creates nothing"

"$LAS_TEST_REPORT" "$TEST_DIR/other-cpu" other >/dev/null # another (simulated) machine
expect_rc 1 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$TEST_DIR/other-cpu" --out "$TEST_DIR/x.bin"
grep -q 'report_mac_invalid' "$TEST_DIR/err" || fail "foreign CPU's REPORT not refused as report_mac_invalid"
pass "a REPORT from another (simulated) CPU is refused"

expect_rc 3 "$LAS_BIN" attest --las "$LAS_ADDR" --gramine-dir "$TEST_DIR/no-gramine" --out "$TEST_DIR/g.bin"
grep -q 'not running under Gramine' "$TEST_DIR/err" || fail "--gramine outside Gramine: no clear message"
expect_rc 2 "$LAS_BIN" attest --gramine --mrenclave "$(printf '12%.0s' $(seq 1 32))"
pass "las attest --gramine outside Gramine fails clearly"

expect_rc 0 "$LAS_BIN" version
grep -q '^las [0-9]' "$TEST_DIR/out" || fail "las version"

stop_las "$LAS_PID"
grep -q 'received SIGTERM' "$LAS_LOG" || fail "no shutdown log line"
pass "SIGTERM stops LAS with exit code 0"
