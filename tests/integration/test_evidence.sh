#!/usr/bin/env bash
# Platform evidence end to end: las evidence, las verify-evidence, las
# platform-ids against two running LAS, a forged document, and succession.
source "$(dirname "$0")/lib.sh"
: "${LAS_FAKE_LAS:?}"

start_las one "$TEST_DIR/one"
addr1=$LAS_ADDR pid1=$LAS_PID
id1=$("$LAS_BIN" id --las "$addr1")
start_las two "$TEST_DIR/two"
addr2=$LAS_ADDR pid2=$LAS_PID
id2=$("$LAS_BIN" id --las "$addr2")

# Each simulated LAS has its own simulated root CA: the trust anchor of its evidence.
root1="$TEST_DIR/one/sim-qe-root-ca.pem"
cat "$root1" "$TEST_DIR/two/sim-qe-root-ca.pem" >"$TEST_DIR/roots.pem"
sim=(--allow-simulation --sim-root "$root1")

expect_rc 0 "$LAS_BIN" evidence --las "$addr1" --out "$TEST_DIR/e1.json"
expect_rc 0 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" "${sim[@]}"
grep -q "^platform_id: $id1$" "$TEST_DIR/out" || fail "verify-evidence does not print the ID"
grep -q '^anchor: *pinned simulated root CA' "$TEST_DIR/out" || fail "no anchor line"
grep -q '^OK: evidence verified' "$TEST_DIR/out" || fail "no OK line"
pin1=$(sed -n 's/^root_pin: *//p' <("$LAS_BIN" inspect "$TEST_DIR/e1.json"))
expect_rc 0 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" --allow-simulation --sim-root "$pin1"
pass "las evidence + verify-evidence give the attested platform ID (root pinned by file or pin)"

expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json"
grep -q 'REFUSED (hardware_quote).*simulated' "$TEST_DIR/out" || fail "simulation not refused by default"
expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" --allow-simulation
grep -q 'REFUSED (anchor)' "$TEST_DIR/out" || fail "no root pin: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" --allow-simulation \
  --sim-root "$TEST_DIR/two/sim-qe-root-ca.pem"
grep -q 'REFUSED (anchor)' "$TEST_DIR/out" || fail "another LAS's root: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" "${sim[@]}" \
  --las-mrsigner "$(printf '00%.0s' $(seq 1 32))"
grep -q 'REFUSED (las_identity)' "$TEST_DIR/out" || fail "wrong LAS signer not refused"
expect_rc 0 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" "${sim[@]}" --json
grep -q '"verified": true' "$TEST_DIR/out" || fail "--json"
expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" --allow-simulation --json
grep -q '"code": "refused"' "$TEST_DIR/out" || fail "--json refusal has no code"
expect_rc 2 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" --las-mrsigner 00 --las-mrenclave 00
expect_rc 2 "$LAS_BIN" verify-evidence "$TEST_DIR/e1.json" --sim-root "$TEST_DIR/e1.json"
expect_rc 3 "$LAS_BIN" verify-evidence "$TEST_DIR/none.json"
pass "verify-evidence refuses simulation unless allowed, an unpinned root and a wrong LAS identity"

roots=(--allow-simulation --sim-root "$TEST_DIR/roots.pem")
expect_rc 0 "$LAS_BIN" platform-ids --las "$addr1" --las "$addr2" "${roots[@]}"
grep -q "^platforms: \[$id1, $id2\]$" "$TEST_DIR/out" || fail "platform-ids: $(cat "$TEST_DIR/out")"
printf '%s\n# comment\n%s\n' "$addr1" "$addr2" >"$TEST_DIR/addrs"
expect_rc 0 "$LAS_BIN" platform-ids --file "$TEST_DIR/addrs" "${roots[@]}"
grep -q "^platforms: \[$id1, $id2\]$" "$TEST_DIR/out" || fail "platform-ids --file"
echo "$addr2" | "$LAS_BIN" platform-ids - "${roots[@]}" >"$TEST_DIR/out"
grep -q "^platforms: \[$id2\]$" "$TEST_DIR/out" || fail "platform-ids from stdin"
expect_rc 1 "$LAS_BIN" platform-ids --las "$addr1" --las "$addr2" "${sim[@]}"
grep -q "^platforms: \[$id1\]$" "$TEST_DIR/out" || fail "platform-ids with one root: $(cat "$TEST_DIR/out")"
grep -q "$addr2: evidence REFUSED (anchor)" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
pass "platform-ids prints the verified IDs (flags, file, stdin), only those of pinned roots"

# A forged document: instance two's evidence claiming instance one's ID.
sed "s/$id2/$id1/" <("$LAS_BIN" evidence --las "$addr2") >"$TEST_DIR/forged.json"
"$LAS_FAKE_LAS" "$TEST_DIR/forged.json" >"$TEST_DIR/fake.port" &
LAS_PIDS+=("$!")
for _ in $(seq 1 100); do grep -q port "$TEST_DIR/fake.port" && break; sleep 0.05; done
fake="127.0.0.1:$(awk '{print $2}' "$TEST_DIR/fake.port")"
expect_rc 1 "$LAS_BIN" platform-ids --las "$addr1" --las "$fake" --las 127.0.0.1:1 "${roots[@]}"
grep -q "^platforms: \[$id1\]$" "$TEST_DIR/out" || fail "forged instance not left out: $(cat "$TEST_DIR/out")"
grep -q "$fake: evidence REFUSED (binding)" "$TEST_DIR/err" || fail "forgery not reported: $(cat "$TEST_DIR/err")"
grep -q "cannot reach LAS at 127.0.0.1:1: " "$TEST_DIR/err" || fail "unreachable LAS not reported: $(cat "$TEST_DIR/err")"
pass "a forged evidence document and an unreachable LAS are reported and left out (exit 1)"

# Policies judge quotes together with the platform's evidence (issue 4 + 3).
expect_rc 0 "$LAS_BIN" attest --las "$addr1" --state-dir "$TEST_DIR/one" --out "$TEST_DIR/q1.bin"
expect_rc 0 "$LAS_BIN" evidence --las "$addr2" --out "$TEST_DIR/e2.json"
mrsigner=$(sed -n 's/^mrsigner: *//p' <("$LAS_BIN" inspect "$TEST_DIR/q1.bin"))
cat >"$TEST_DIR/any-platform.yaml" <<YAML
version: 1
name: any attested platform
attestation:
  signer:
    mrsigner: $mrsigner
    isvprodid: 0
security:
  tolerate: [simulation]
YAML
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q1.bin" --policy "$TEST_DIR/any-platform.yaml" \
  --evidence "$TEST_DIR/e1.json" --sim-root "$TEST_DIR/roots.pem"
grep -q 'vouched for by its evidence' "$TEST_DIR/out" || fail "evidence did not vouch: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1.bin" --policy "$TEST_DIR/any-platform.yaml" \
  --evidence "$TEST_DIR/e2.json" --sim-root "$TEST_DIR/roots.pem"
grep -q 'REFUSED (evidence)' "$TEST_DIR/out" || fail "evidence of another platform: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1.bin" --policy "$TEST_DIR/any-platform.yaml" \
  --evidence "$TEST_DIR/e1.json"
grep -q 'REFUSED (evidence): .*anchor' "$TEST_DIR/out" || fail "unpinned root: $(cat "$TEST_DIR/out")"
sed -i 's/tolerate: \[simulation\]/tolerate: []/' "$TEST_DIR/any-platform.yaml"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1.bin" --policy "$TEST_DIR/any-platform.yaml" \
  --evidence "$TEST_DIR/e1.json" --sim-root "$TEST_DIR/roots.pem"
grep -q 'REFUSED (evidence): .*hardware_quote' "$TEST_DIR/out" || fail "simulated evidence must need the toleration"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1.bin" --evidence "$TEST_DIR/e1.json"
pass "las verify --policy --evidence: evidence vouches for the platform, only its own, and simulation must be tolerated"

# Succession: a simulated microcode update on instance one.
stop_las "$pid1"
start_las one-updated "$TEST_DIR/one" --sim-cpusvn 0f0f0204ff800f000000000000000000
addr1=$LAS_ADDR
id1b=$("$LAS_BIN" id --las "$addr1")
[ "$id1b" != "$id1" ] || fail "CPUSVN bump kept the ID"
grep -q "PLATFORM ID CHANGED: old platform ID $id1 -> new platform ID $id1b" "$LAS_LOG" ||
  fail "the change is not logged loudly"
log_id=$(grep 'public key' "$LAS_LOG" | tail -n 1 | awk '{print $8}')
[ "$log_id" = "$id1b" ] || fail "after a change, the documented awk line gives '$log_id', not $id1b"
expect_rc 0 "$LAS_BIN" evidence --las "$addr1" --out "$TEST_DIR/e1b.json"
expect_rc 0 "$LAS_BIN" verify-evidence "$TEST_DIR/e1b.json" "${sim[@]}"
grep -q "^succession: $id1 -> $id1b" "$TEST_DIR/out" || fail "verify-evidence shows no succession"
expect_rc 0 "$LAS_BIN" platform-ids --las "$addr1" "${sim[@]}"
grep -q "succession: $id1 -> $id1b" "$TEST_DIR/out" || fail "platform-ids shows no old -> new"
grep -q "^platforms: \[$id1b\]$" "$TEST_DIR/out" || fail "platform-ids after update"
pass "a CPUSVN bump yields a verifiable succession old -> new"

# A policy that trusts the old ID and follows verified successions (issue 13, item 4).
expect_rc 0 "$LAS_BIN" attest --las "$addr1" --state-dir "$TEST_DIR/one" --out "$TEST_DIR/q1b.bin"
cat >"$TEST_DIR/follow.yaml" <<YAML
version: 1
name: follows its platform's updates
platforms: [$id1]
follow_successions: true
security:
  tolerate: [simulation]
YAML
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" --policy "$TEST_DIR/follow.yaml" \
  --evidence "$TEST_DIR/e1b.json"
grep -q "^successor: *$id1b accepted as the successor of $id1 (1 succession(s))" "$TEST_DIR/out" ||
  fail "the verdict does not name the succession: $(cat "$TEST_DIR/out")"
grep -q '^OK: quote verified$' "$TEST_DIR/out" || fail "no OK line"
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" --policy "$TEST_DIR/follow.yaml" \
  --evidence "$TEST_DIR/e1b.json" --json
[ "$(jq -r .successor.predecessor "$TEST_DIR/out")" = "$id1" ] || fail "--json: no successor"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" --policy "$TEST_DIR/follow.yaml"
grep -q '^REFUSED (platform): ' "$TEST_DIR/out" || fail "without evidence: $(cat "$TEST_DIR/out")"
sed -i '/follow_successions/d' "$TEST_DIR/follow.yaml"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" --policy "$TEST_DIR/follow.yaml" \
  --evidence "$TEST_DIR/e1b.json"
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" --policy "$TEST_DIR/follow.yaml" \
  --evidence "$TEST_DIR/e1b.json" --follow-successions
# The old platform's quote does not follow into another platform's evidence.
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" --platform "$id1" --follow-successions \
  --allow-simulation --evidence "$TEST_DIR/e2.json"
grep -q '^REFUSED (evidence): ' "$TEST_DIR/out" || fail "another platform's evidence: $(cat "$TEST_DIR/out")"
pass "follow_successions: the old ID's policy accepts the new quote with the new evidence, not without"

# follow_successions refuses what is not a verified chain from a pinned ID:
# a forged statement, a chain from an ID the policy does not pin, and a
# downgrade (which publishes no statement).
follow=(--policy "$TEST_DIR/follow.yaml" --follow-successions)
jq '.successions[0].issued_at += 1' "$TEST_DIR/e1b.json" >"$TEST_DIR/e1b-forged.json"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" "${follow[@]}" --evidence "$TEST_DIR/e1b-forged.json"
grep -q '^REFUSED (evidence): .*succession: succession statement 0: a signature does not verify' \
  "$TEST_DIR/out" || fail "forged succession: $(cat "$TEST_DIR/out")"
jq --arg id "$id2" '.successions[0].old_platform_id = $id' "$TEST_DIR/e1b.json" \
  >"$TEST_DIR/e1b-renamed.json"
jq -e '.successions[0].old_platform_id' "$TEST_DIR/e1b.json" >/dev/null ||
  fail "the succession statement has no old_platform_id field"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" "${follow[@]}" --evidence "$TEST_DIR/e1b-renamed.json"
grep -q '^REFUSED (evidence): .*succession' "$TEST_DIR/out" || fail "renamed predecessor: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1b.bin" --platform "$id2" --follow-successions \
  --allow-simulation --sim-root "$root1" --evidence "$TEST_DIR/e1b.json"
grep -q '^REFUSED (platform): .*no succession from one of them' "$TEST_DIR/out" ||
  fail "a chain from an unpinned ID: $(cat "$TEST_DIR/out")"
stop_las "$LAS_PID"
start_las one-downgraded "$TEST_DIR/one" --sim-cpusvn "$(jq -r .platform_key.cpusvn "$TEST_DIR/e1.json")"
addr1=$LAS_ADDR
[ "$("$LAS_BIN" id --las "$addr1")" = "$id1" ] || fail "back to the old CPUSVN, another ID"
expect_rc 0 "$LAS_BIN" evidence --las "$addr1" --out "$TEST_DIR/e1c.json"
[ "$(jq '.successions | length' "$TEST_DIR/e1c.json")" = 0 ] || fail "a downgrade published a statement"
expect_rc 0 "$LAS_BIN" attest --las "$addr1" --state-dir "$TEST_DIR/one" --out "$TEST_DIR/q1c.bin"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q1c.bin" --platform "$id1b" --follow-successions \
  --allow-simulation --sim-root "$root1" --evidence "$TEST_DIR/e1c.json"
grep -q '^REFUSED (platform): .*no succession from one of them' "$TEST_DIR/out" ||
  fail "a downgrade followed: $(cat "$TEST_DIR/out")"
pass "follow_successions: a forged statement, an unpinned start and a downgrade are refused"

stop_las "$LAS_PID"
stop_las "$pid2"
