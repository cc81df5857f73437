#!/usr/bin/env bash
# Forged hardware evidence through every entry point that verifies a DCAP
# quote: las verify-evidence, las dcap verify, las platform-ids and
# las verify --evidence, with and without collateral (docs/security.md).
#
# The forger holds the platform's PCK key (here: it reads the simulated
# platform's state directory) and runs a quoting enclave of its own, whose
# report the PCE certifies because it has the PROVISIONKEY attribute. So
# only the QE's identity tells the forgery from a genuine quote: the control
# (the same re-made quote with the genuine QE identity) must verify, the
# forgeries must be refused by qe_identity. The collateral that comes with a
# forgery is signed under the same root and names the forged QE, so that the
# pinned identity, not the collateral, is what refuses.
source "$(dirname "$0")/lib.sh"
: "${LAS_TEST_FORGE_DCAP:?}" "${LAS_FAKE_LAS:?}"

state=$TEST_DIR/state
start_las one "$state"
addr=$LAS_ADDR
id=$("$LAS_BIN" id --las "$addr")
expect_rc 0 "$LAS_BIN" evidence --las "$addr" --out "$TEST_DIR/genuine.json"
# The forger works under the platform's own simulated root, which the verifier pins.
root=(--sim-root "$state/sim-qe-root-ca.pem")

forge() { # forge NAME [forge options...]: writes NAME.json, NAME.col.json, NAME.quote
  local name=$1
  shift
  "$LAS_TEST_FORGE_DCAP" "$state" "$TEST_DIR/genuine.json" "$TEST_DIR/$name.json" \
    --collateral "$TEST_DIR/$name.col.json" "$@" || fail "cannot forge $name"
  sed -n 's/.*"hardware_quote": "\([^"]*\)".*/\1/p' "$TEST_DIR/$name.json" | base64 -d \
    >"$TEST_DIR/$name.quote"
}
forge control
forge mrsigner --qe-mrsigner "0BAD$(printf '11%.0s' $(seq 1 30))"
forge isvprodid --qe-isvprodid 2

# The control: the forger's machinery makes valid quotes.
expect_rc 0 "$LAS_BIN" verify-evidence "$TEST_DIR/control.json" --allow-simulation "${root[@]}"
grep -q "^platform_id: $id$" "$TEST_DIR/out" || fail "control: $(cat "$TEST_DIR/out")"
expect_rc 0 "$LAS_BIN" verify-evidence "$TEST_DIR/control.json" --allow-simulation "${root[@]}" \
  --collateral "$TEST_DIR/control.col.json"
grep -q '^tcb_status: *UpToDate' "$TEST_DIR/out" || fail "control collateral: $(cat "$TEST_DIR/out")"
expect_rc 0 "$LAS_BIN" dcap verify "$TEST_DIR/control.quote" --allow-simulation "${root[@]}" \
  --collateral "$TEST_DIR/control.col.json"
pass "control: the re-made quote with the genuine QE identity verifies, with and without collateral"

for f in mrsigner:MRSIGNER isvprodid:ISVPRODID; do
  name=${f%%:*} field=${f#*:}
  expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/$name.json" --allow-simulation "${root[@]}"
  grep -q "^REFUSED (hardware_quote): qe_identity: the QE report's $field" "$TEST_DIR/out" ||
    fail "verify-evidence $name: $(cat "$TEST_DIR/out")"
  expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/$name.json" --allow-simulation "${root[@]}" \
    --collateral "$TEST_DIR/$name.col.json"
  grep -q "qe_identity: the QE report's $field .*pinned" "$TEST_DIR/out" ||
    fail "verify-evidence $name with collateral: $(cat "$TEST_DIR/out")"
  expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/$name.quote" --allow-simulation "${root[@]}"
  grep -q "^REFUSED (qe_identity): the QE report's $field" "$TEST_DIR/out" ||
    fail "dcap verify $name: $(cat "$TEST_DIR/out")"
  expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/$name.quote" --allow-simulation "${root[@]}" \
    --collateral "$TEST_DIR/$name.col.json"
  grep -q "^REFUSED (qe_identity): the QE report's $field .*pinned" "$TEST_DIR/out" ||
    fail "dcap verify $name with collateral: $(cat "$TEST_DIR/out")"
done
pass "verify-evidence and dcap verify refuse a QE with another MRSIGNER or ISVPRODID, with and without collateral"

"$LAS_FAKE_LAS" "$TEST_DIR/mrsigner.json" >"$TEST_DIR/fake.port" &
LAS_PIDS+=("$!")
for _ in $(seq 1 100); do grep -q port "$TEST_DIR/fake.port" && break; sleep 0.05; done
fake="127.0.0.1:$(awk '{print $2}' "$TEST_DIR/fake.port")"
expect_rc 1 "$LAS_BIN" platform-ids --las "$addr" --las "$fake" --allow-simulation "${root[@]}"
grep -q "^platforms: \[$id\]$" "$TEST_DIR/out" || fail "platform-ids: $(cat "$TEST_DIR/out")"
grep -q "$fake: evidence REFUSED (hardware_quote).*qe_identity" "$TEST_DIR/err" ||
  fail "platform-ids does not name the forgery: $(cat "$TEST_DIR/err")"
pass "platform-ids leaves the forged instance out and names qe_identity"

expect_rc 0 "$LAS_BIN" attest --las "$addr" --state-dir "$state" --out "$TEST_DIR/q.bin"
mrsigner=$(sed -n 's/^mrsigner: *//p' <("$LAS_BIN" inspect "$TEST_DIR/q.bin"))
cat >"$TEST_DIR/policy.yaml" <<YAML
version: 1
name: any attested platform
attestation:
  signer:
    mrsigner: $mrsigner
    isvprodid: 0
security:
  tolerate: [simulation]
YAML
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q.bin" --policy "$TEST_DIR/policy.yaml" "${root[@]}" \
  --evidence "$TEST_DIR/control.json" --collateral "$TEST_DIR/control.col.json"
for name in mrsigner isvprodid; do
  expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --policy "$TEST_DIR/policy.yaml" "${root[@]}" \
    --evidence "$TEST_DIR/$name.json"
  grep -q 'REFUSED (evidence): .*qe_identity' "$TEST_DIR/out" ||
    fail "verify --evidence $name: $(cat "$TEST_DIR/out")"
  expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --policy "$TEST_DIR/policy.yaml" "${root[@]}" \
    --evidence "$TEST_DIR/$name.json" --collateral "$TEST_DIR/$name.col.json"
  grep -q 'REFUSED (evidence): .*qe_identity' "$TEST_DIR/out" ||
    fail "verify --evidence $name with collateral: $(cat "$TEST_DIR/out")"
done
pass "las verify --evidence refuses the forged evidence, with and without collateral"

# TCB info signed by the platform's PCK key, or by the PCK CA, instead of the TCB Signing key.
forge by-pck --tcb-signer pck
forge by-ca --tcb-signer ca
for f in by-pck:"PCK certificate" by-ca:"CA certificate"; do
  name=${f%%:*} because=${f#*:}
  expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/$name.json" --allow-simulation "${root[@]}" \
    --collateral "$TEST_DIR/$name.col.json"
  grep -q "tcb_info_issuer_chain: the signer is a $because" "$TEST_DIR/out" ||
    fail "TCB info $name: $(cat "$TEST_DIR/out")"
  expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/$name.quote" --allow-simulation "${root[@]}" \
    --collateral "$TEST_DIR/$name.col.json"
  grep -q "^REFUSED (tcb_info_issuer_chain): the signer is a $because" "$TEST_DIR/out" ||
    fail "dcap verify TCB info $name: $(cat "$TEST_DIR/out")"
done
pass "TCB info signed by the PCK leaf or by the PCK CA is refused (tcb_info_issuer_chain)"

stop_las "$LAS_PID"
