#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/<target>/ from the real
# formats: a throw-away simulated platform (its own temporary state
# directory) serves target info, REPORTs, LAS quotes, evidence and its DCAP
# quote; policies come from docs/policy.md; collateral is reduced from the
# evidence's simulated chain. Real Intel quotes and collateral are not copied:
# the replay tests and scripts/fuzz read them from ../shared when present.
#   tests/fuzz/make-corpus.sh [BUILD_DIR]     (default ./build, must be built)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
las=$build/las
report=$build/tests/las_test_report
forge=$build/tests/las_test_forge_dcap
out=tests/fuzz/corpus
tmp=$(mktemp -d /tmp/las-corpus-XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

: >"$tmp/las.log"
LAS_ALLOW_ROOT=1 "$las" serve --mode sim --listen 127.0.0.1:0 --state-dir "$tmp/state" \
  >"$tmp/las.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*(port \([0-9]*\)); ready.*/\1/p' "$tmp/las.log")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { cat "$tmp/las.log" >&2; exit 1; }
addr=127.0.0.1:$port

rm -rf "$out"
mkdir -p "$out"/{report,targetinfo,quote,sim_state,dcap_quote,collateral,evidence,policy,http}
mkdir -p "$out"/{tcb,pck,dcap_collateral}
curl -s -o "$out/targetinfo/las" "http://$addr/v1/target-info"
"$las" attest --las "$addr" --state-dir "$tmp/state" --report-data 00112233 \
  --out "$out/quote/sim" --report-out "$out/report/for-las" >/dev/null
"$las" attest --las "$addr" --state-dir "$tmp/state" --debug --isvsvn 7 --isvprodid 3 \
  --out "$out/quote/sim-debug" >/dev/null
"$report" "$tmp/state" other >"$out/report/for-other"
cp "$tmp/state/sim-cpu.state" "$out/sim_state/cpu"
chmod 644 "$out/sim_state/cpu" # a throw-away test CPU: its "secrets" protect nothing
curl -s -o "$out/evidence/sim.json" "http://$addr/v1/platform"
sed -n 's/.*"hardware_quote": "\([^"]*\)".*/\1/p' "$out/evidence/sim.json" | base64 -d \
  >"$out/dcap_quote/sim-v3"

# Collateral: the documented shape with the simulated chain's PEM (docs/dcap.md).
pem=$(sed -n '/BEGIN CERT/,/END CERT/p' "$tmp/state/sim-qe-root-ca.pem" | awk '{printf "%s\\n", $0}')
printf '{"version":1,"tcb_info":"{}","tcb_info_signature":"00","tcb_info_issuer_chain":"%s",'\
'"qe_identity":"{}","qe_identity_signature":"00","qe_identity_issuer_chain":"%s",'\
'"root_ca_crl":"00","pck_crl":"00","pck_crl_issuer_chain":"%s"}\n' "$pem" "$pem" "$pem" \
  >"$out/collateral/shape.json"
printf '{"tcbInfo":{"version":3,"issueDate":"2026-01-01T00:00:00Z","tcbLevels":[]},"signature":"00"}' \
  >"$out/collateral/pcs-tcbinfo.json"

# TCB info and QE identity objects, and a whole collateral document, signed
# under the simulated root (tests/tools/forge_dcap.c), plus a version 2 TCB info.
"$forge" "$tmp/state" "$out/evidence/sim.json" "$tmp/forged.json" \
  --collateral "$out/dcap_collateral/sim.json" --objects "$out/tcb"
cp "$out/collateral/shape.json" "$out/dcap_collateral/shape.json"
comps=$(for i in $(seq -w 1 16); do printf '"sgxtcbcomp%ssvn":%d,' "$i" 2; done)
printf '{"version":2,"issueDate":"2025-06-19T10:56:11Z","nextUpdate":"2025-07-19T10:56:11Z",'\
'"fmspc":"00906ED50000","pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":1,"tcbLevels":'\
'[{"tcb":{%s"pcesvn":13},"tcbDate":"2025-01-01T00:00:00Z","tcbStatus":"SWHardeningNeeded",'\
'"advisoryIDs":["INTEL-SA-00615"]}]}' "$comps" >"$out/tcb/tcb_info_v2.json"

# PEM chains (PCK leaf, CA, root, NUL as the QE ends it; a collateral-style
# chain) and the DER value of the PCK certificate's SGX extension.
cat "$tmp/state"/sim-qe-{pck,pck-platform-ca,root-ca}.pem >"$out/pck/pck-chain.pem"
printf '\0' >>"$out/pck/pck-chain.pem"
cat "$tmp/state"/sim-qe-{pck-platform-ca,root-ca}.pem >"$out/pck/ca-chain.pem"
off=$(openssl asn1parse -in "$tmp/state/sim-qe-pck.pem" |
  awk '/:1.2.840.113741.1.13.1$/ {getline; sub(/:.*/, "", $1); print $1; exit}')
openssl asn1parse -in "$tmp/state/sim-qe-pck.pem" -strparse "$off" -noout -out "$out/pck/sgx-ext.der"

# Policies: every YAML example of docs/policy.md.
awk '/^```yaml/{n++; f=sprintf("'"$out"'/policy/doc-%02d.yaml", n); next} /^```/{f=""} f{print > f}' \
  docs/policy.md

# HTTP: method byte (0 GET, 1 POST, 2 HEAD, 3 PUT, ...; +0x80: body cut), URL, '\n', body.
for u in /v1/target-info /v1/platform /healthz /readyz /metrics /nowhere; do
  printf '\x00%s\n' "$u" >"$out/http/get${u//\//_}"
done
{ printf '\x01/v1/quote\n'; cat "$out/report/for-las"; } >"$out/http/post_quote"
{ printf '\x01/v1/quote\n'; cat "$out/report/for-other"; } >"$out/http/post_quote_other"
{ printf '\x81/v1/quote\n'; cat "$out/report/for-las"; } >"$out/http/post_quote_cut"
printf '\x03/v1/quote\n' >"$out/http/put_quote"
printf '\x00/v1/quote\n' >"$out/http/get_quote"
kill "$pid"
wait "$pid" || true
pid=""
du -sh "$out"
