#!/usr/bin/env bash
# Platform identity across restarts, machines, microcode and LAS updates.
source "$(dirname "$0")/lib.sh"
: "${LAS_TEST_REPORT:?}"

state="$TEST_DIR/state"
get_id() { "$LAS_BIN" id --las "$LAS_ADDR"; }

start_las a "$state"
id1=$(get_id)
stop_las "$LAS_PID"
start_las b "$state"
id2=$(get_id)
stop_las "$LAS_PID"
[ "$id1" = "$id2" ] || fail "restart changed the ID: $id1 -> $id2"
pass "restart with the same state directory keeps the platform ID"

start_las c "$TEST_DIR/other-machine"
id_other=$(get_id)
stop_las "$LAS_PID"
[ "$id_other" != "$id1" ] || fail "another machine has the same ID"
pass "another (simulated) machine has another platform ID"

start_las d "$state" --sim-cpusvn 0f0f0204ff800f000000000000000000
id3=$(get_id)
[ "$id3" != "$id1" ] || fail "changed CPUSVN kept the ID"
grep -q 'microcode update' "$LAS_LOG" || fail "the CPUSVN change is not logged"
expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --out "$TEST_DIR/q.bin"
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q.bin" --allow-simulation --platform "$id3"
stop_las "$LAS_PID"
pass "a changed --sim-cpusvn changes the ID, and attestation works under it"

LAS_SIM_ISVSVN=5 start_las e "$state"
id4=$(get_id)
stop_las "$LAS_PID"
[ "$id4" != "$id3" ] || fail "changed ISVSVN kept the ID"
pass "a changed LAS ISVSVN (LAS_SIM_ISVSVN) changes the ID"

start_las f "$state"
id5=$(get_id)
stop_las "$LAS_PID"
[ "$id5" = "$id3" ] || fail "after the updates, a plain restart should give $id3, got $id5"
pass "the simulated microcode update persists in the state directory"

chmod 644 "$state/sim-cpu.state"
rc=0
"$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 --state-dir "$state" >"$TEST_DIR/bad.log" 2>&1 || rc=$?
[ "$rc" = 4 ] || fail "unsafe state file: exit $rc, expected 4 (state refused)"
grep -q 'chmod 600' "$TEST_DIR/bad.log" || fail "unsafe state file: no clear message"
chmod 600 "$state/sim-cpu.state"
pass "a state file readable by others is refused with a clear message"

# A reboot: the simulated CPU's stored boot id (bytes 64..79 of sim-cpu.state,
# docs/simulation.md) is not the current one, so the next start draws a new
# REPORT KEYID. The checksum (bytes 112..143, SHA-256 of 0..111) is recomputed.
hex_bytes() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }
simulate_reboot() {
  local f=$1/sim-cpu.state body="$TEST_DIR/state-body"
  { head -c 64 "$f"; hex_bytes abababababababababababababababab; tail -c +81 "$f" | head -c 32; } >"$body"
  [ "$(stat -c %s "$body")" = 112 ] || fail "simulate_reboot: bad state file"
  { cat "$body"; hex_bytes "$(sha256sum "$body" | cut -c1-64)"; } >"$f" # keeps mode 0600
}
start_las g "$state"
[ "$(http GET /v1/target-info)" = 200 ] || fail "target-info"
cp "$TEST_DIR/body" "$TEST_DIR/ti.bin"
"$LAS_TEST_REPORT" "$state" "$TEST_DIR/ti.bin" >"$TEST_DIR/before-reboot.report"
[ "$(http POST /v1/quote --data-binary @"$TEST_DIR/before-reboot.report")" = 200 ] ||
  fail "a REPORT of this boot is refused"
stop_las "$LAS_PID"
simulate_reboot "$state"
start_las h "$state"
grep -q 'new boot, new REPORT KEYID' "$LAS_LOG" || fail "the reboot is not noticed"
[ "$(get_id)" = "$id3" ] || fail "a reboot changed the platform ID"
code=$(http POST /v1/quote --data-binary @"$TEST_DIR/before-reboot.report")
[ "$code" = 403 ] || fail "a REPORT from before the reboot: $code, expected 403"
grep -q '"code":"report_mac_invalid"' "$TEST_DIR/body" || fail "$(cat "$TEST_DIR/body")"
"$LAS_TEST_REPORT" "$state" "$TEST_DIR/ti.bin" >"$TEST_DIR/after-reboot.report"
cmp -s <(head -c 384 "$TEST_DIR/before-reboot.report") <(head -c 384 "$TEST_DIR/after-reboot.report") ||
  fail "the two REPORTs should differ only in KEYID and MAC"
[ "$(http POST /v1/quote --data-binary @"$TEST_DIR/after-reboot.report")" = 200 ] ||
  fail "a REPORT of the new boot is refused"
stop_las "$LAS_PID"
pass "a REPORT from before a reboot (another KEYID) gets 403 report_mac_invalid; one of the new boot a quote"
