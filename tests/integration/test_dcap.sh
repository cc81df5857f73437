#!/usr/bin/env bash
# `las dcap verify` on Intel's real DCAP quote: verdict, TCB status, JSON,
# exit codes, tampering and time windows. Needs ../shared/testdata/dcap.
source "$(dirname "$0")/lib.sh"

data="${LAS_SOURCE_DIR:?}/../shared/testdata/dcap"
if [ ! -r "$data/phala_sgx_quote.bin" ] || [ ! -r "$data/phala_sgx_quote_collateral.json" ]; then
  echo "SKIP: $data is absent"
  exit 77
fi
quote="$data/phala_sgx_quote.bin"
col="$data/phala_sgx_quote_collateral.json"
# Inside every validity window of the collateral (docs/dcap.md):
# 2025-06-19T10:56:11Z (TCB info issueDate) .. 2025-07-19T10:01:18Z (QE identity nextUpdate).
at=2025-07-01T00:00:00Z

expect_rc 0 "$LAS_BIN" dcap verify "$quote" --collateral "$col" --at "$at"
grep -q '^verdict: *verified' "$TEST_DIR/out" || fail "no verified verdict"
grep -q '^tcb_status: *ConfigurationAndSWHardeningNeeded$' "$TEST_DIR/out" || fail "TCB status"
grep -q '^advisories: *INTEL-SA-00289, INTEL-SA-00615$' "$TEST_DIR/out" || fail "advisories"
grep -q '^fmspc: *00A067110000$' "$TEST_DIR/out" || fail "FMSPC"
grep -q '^mrenclave: *33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb$' \
  "$TEST_DIR/out" || fail "mrenclave"
grep -q '^mrsigner: *815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6$' \
  "$TEST_DIR/out" || fail "mrsigner"
grep -q '^isvprodid: *0$' "$TEST_DIR/out" && grep -q '^isvsvn: *0$' "$TEST_DIR/out" || fail "isv"
grep -q '^attributes: *0500000000000000e700000000000000$' "$TEST_DIR/out" || fail "attributes"
grep -q '^report_data: *48656c6c6f2c20776f726c6421000000' "$TEST_DIR/out" || fail "report_data"
grep -q '^OK: DCAP quote verified$' "$TEST_DIR/out" || fail "no OK line"
pass "real quote + collateral: ConfigurationAndSWHardeningNeeded, INTEL-SA-00289, INTEL-SA-00615"

expect_rc 0 "$LAS_BIN" dcap verify "$quote" --collateral "$col" --at 2025-07-01T02:00:00+02:00 --json
out="$TEST_DIR/out"
grep -q '"verified": true' "$out" || fail "JSON verified"
grep -q '"verdict": "verified"' "$out" || fail "JSON verdict"
grep -q '"tcb_status": "ConfigurationAndSWHardeningNeeded"' "$out" || fail "JSON tcb_status"
grep -q '"INTEL-SA-00289"' "$out" && grep -q '"INTEL-SA-00615"' "$out" || fail "JSON advisories"
grep -q '"fmspc": "00A067110000"' "$out" || fail "JSON fmspc"
grep -q '"at": "2025-07-01T00:00:00Z"' "$out" || fail "--at with an offset"
for field in mrenclave mrsigner isvprodid isvsvn attributes report_data; do
  grep -q "\"$field\":" "$out" || fail "JSON lacks $field"
done
grep -q '"simulated": false' "$out" || fail "JSON simulated"
pass "--json has verdict, status, advisories, FMSPC and the report body; --at takes offsets"

expect_rc 1 "$LAS_BIN" dcap verify "$quote" --at "$at"
grep -q '^REFUSED (collateral): ' "$TEST_DIR/out" || fail "no-collateral refusal"
expect_rc 0 "$LAS_BIN" dcap verify "$quote" --at "$at" --allow-unknown-tcb
grep -q '^tcb_status: *Unknown (no collateral' "$TEST_DIR/out" || fail "no-collateral status"
pass "without collateral: refused; tolerated, signatures and chain verified, TCB status Unknown"

for t in 2025-06-19T10:56:10Z 2025-07-19T10:01:19Z 2024-01-01T00:00:00Z 2031-01-01T00:00:00Z; do
  expect_rc 1 "$LAS_BIN" dcap verify "$quote" --collateral "$col" --at "$t"
  grep -q '^REFUSED (' "$TEST_DIR/out" || fail "at $t: no REFUSED line"
done
expect_rc 1 "$LAS_BIN" dcap verify "$quote" --collateral "$col" --at 2025-08-01T00:00:00Z --json
grep -q '"verified": false' "$TEST_DIR/out" || fail "JSON refusal"
grep -q '"verdict": "refused"' "$TEST_DIR/out" || fail "JSON refusal verdict"
grep -q '"check": "pck_crl"' "$TEST_DIR/out" || fail "JSON refusal check (PCK CRL expired first)"
pass "times outside the collateral's window are refused"

# flip OFFSET FILE: XOR one byte with 0x01.
flip() {
  local off=$1 file=$2 b
  b=$(od -An -tu1 -j "$off" -N1 "$file" | tr -d ' ')
  printf "\\x$(printf %02x $((b ^ 1)))" | dd of="$file" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
# Offsets in the v3 layout: header, body, quote signature, attestation key,
# QE report, QE report signature, QE auth data, certification data.
for spec in 0:quote_format 20:header 40:quote_signature 200:quote_signature \
  450:quote_signature 520:qe_report_data 700:qe_report_signature \
  960:qe_report_signature 1020:qe_report_data 1060:pck_chain 3000:pck_chain \
  4599:pck_chain; do
  off=${spec%%:*} check=${spec#*:}
  cp "$quote" "$TEST_DIR/t.bin"
  flip "$off" "$TEST_DIR/t.bin"
  expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/t.bin" --collateral "$col" --at "$at"
  grep -q "^REFUSED ($check): " "$TEST_DIR/out" || fail "byte $off: $(cat "$TEST_DIR/out")"
done
pass "a flipped byte in each region is refused and names its check"

sed 's/tcbEvaluationDataNumber\\":17/tcbEvaluationDataNumber\\":16/' "$col" >"$TEST_DIR/c1.json"
cmp -s "$col" "$TEST_DIR/c1.json" && fail "sed did not modify tcb_info"
expect_rc 1 "$LAS_BIN" dcap verify "$quote" --collateral "$TEST_DIR/c1.json" --at "$at"
grep -q '^REFUSED (tcb_info_signature)' "$TEST_DIR/out" || fail "modified tcb_info"
sed 's/fmspc\\":\\"00A067110000/fmspc\\":\\"00906EA10000/' "$col" >"$TEST_DIR/c2.json"
expect_rc 1 "$LAS_BIN" dcap verify "$quote" --collateral "$TEST_DIR/c2.json" --at "$at"
grep -q '^REFUSED (tcb_info_signature)' "$TEST_DIR/out" || fail "other FMSPC"
qsig=$(grep -o '"qe_identity_signature": *"[0-9a-f]*"' "$col" | grep -o '[0-9a-f]\{128\}')
sed "s/\"tcb_info_signature\": *\"[0-9a-f]*\"/\"tcb_info_signature\":\"$qsig\"/" "$col" \
  >"$TEST_DIR/c3.json"
cmp -s "$col" "$TEST_DIR/c3.json" && fail "sed did not replace the signature"
expect_rc 1 "$LAS_BIN" dcap verify "$quote" --collateral "$TEST_DIR/c3.json" --at "$at"
grep -q '^REFUSED (tcb_info_signature)' "$TEST_DIR/out" || fail "other signature"
echo '{}' >"$TEST_DIR/c4.json"
expect_rc 1 "$LAS_BIN" dcap verify "$quote" --collateral "$TEST_DIR/c4.json" --at "$at"
grep -q '^REFUSED (collateral)' "$TEST_DIR/out" || fail "empty collateral"
pass "modified TCB info, another FMSPC, another signature, empty collateral: refused"

head -c 1000 "$quote" >"$TEST_DIR/short.bin"
expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/short.bin"
grep -q '^REFUSED (quote_format)' "$TEST_DIR/out" || fail "truncated quote"
head -c 70000 /dev/zero >"$TEST_DIR/big.bin"
expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/big.bin"
expect_rc 3 "$LAS_BIN" dcap verify "$TEST_DIR/missing.bin"
expect_rc 3 "$LAS_BIN" dcap verify "$quote" --collateral "$TEST_DIR/missing.json"
expect_rc 2 "$LAS_BIN" dcap verify "$quote" --at yesterday
expect_rc 2 "$LAS_BIN" dcap verify "$quote" --at 2025-07-01T00:00:00
expect_rc 2 "$LAS_BIN" dcap verify
expect_rc 2 "$LAS_BIN" dcap verify "$quote" --bogus
expect_rc 2 "$LAS_BIN" dcap frobnicate
expect_rc 2 "$LAS_BIN" dcap
expect_rc 0 "$LAS_BIN" dcap verify --help
grep -q -- '--collateral' "$TEST_DIR/out" || fail "help text"
expect_rc 0 "$LAS_BIN" --help
grep -q 'dcap .*verify Intel DCAP quotes' "$TEST_DIR/out" || fail "dcap missing from las --help"
pass "exit codes: 1 refused, 2 usage, 3 I/O; help lists dcap"
