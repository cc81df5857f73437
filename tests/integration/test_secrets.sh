#!/usr/bin/env bash
# No key material in any output: runs LAS with --log-level debug through
# attest and verify, evidence and verify-evidence (and the error paths), collects stdout/stderr of every
# process and every HTTP answer, and searches them for the platform's secrets
# (simulated fuses, LAS's REPORT key, the platform key's SEAL key and seed,
# the simulated QE's four private keys) in
# hex (either case) and base64, as re-derived by las_test_secrets.
source "$(dirname "$0")/lib.sh"
: "${LAS_TEST_SECRETS:?LAS_TEST_SECRETS must point to las_test_secrets}"

state="$TEST_DIR/state"
out="$TEST_DIR/outputs"
mkdir -p "$out"
start_las main "$state" --log-level debug
grep -q ' debug ' "$LAS_LOG" || true

run() { # run NAME CMD...: records stdout and stderr of CMD (any exit code)
  local name=$1
  shift
  "$@" >"$out/$name.stdout" 2>"$out/$name.stderr" || true
}
id=$("$LAS_BIN" id --las "$LAS_ADDR")
run id "$LAS_BIN" id --las "$LAS_ADDR"
run attest "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --out "$out/q.bin" \
  --report-out "$out/r.bin" --report-data 0011
run attest-debug "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --debug --out "$out/qd.bin"
run verify "$LAS_BIN" verify "$out/q.bin" --allow-simulation --platform "$id"
run verify-json "$LAS_BIN" verify "$out/q.bin" --allow-simulation --json
run verify-refused "$LAS_BIN" verify "$out/q.bin"
run verify-debug-refused "$LAS_BIN" verify "$out/qd.bin" --allow-simulation
run evidence "$LAS_BIN" evidence --las "$LAS_ADDR" --out "$out/evidence.json"
run verify-evidence "$LAS_BIN" verify-evidence "$out/evidence.json" --allow-simulation --json
run verify-evidence-refused "$LAS_BIN" verify-evidence "$out/evidence.json"
# Error paths: a REPORT for another enclave, a bad size, a corrupted quote.
"$LAS_TEST_REPORT" "$state" other >"$out/other.bin"
run bad-mac curl -s -D - --data-binary @"$out/other.bin" "http://$LAS_ADDR/v1/quote"
run bad-size curl -s -D - --data-binary @"$out/q.bin" "http://$LAS_ADDR/v1/quote"
cp "$out/q.bin" "$out/q-bad.bin"
printf '\xff' | dd of="$out/q-bad.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
run verify-corrupt "$LAS_BIN" verify "$out/q-bad.bin" --allow-simulation
for path in /v1/target-info /v1/platform /healthz /readyz /metrics /nope; do
  run "get${path//\//_}" curl -s -D - "http://$LAS_ADDR$path"
done
stop_las "$LAS_PID"
cp "$LAS_LOG" "$out/serve.log"
grep -q ' debug ' "$out/serve.log" || fail "the daemon logged nothing at debug level"
[ -s "$out/q.bin" ] || fail "attest produced no quote"
grep -q "$id" "$out/verify-evidence.stdout" || fail "verify-evidence did not verify"

# Binary outputs are searched as hex and as base64 too.
for f in "$out"/*.bin "$out"/get_v1_target-info.stdout; do
  od -An -tx1 -v "$f" | tr -d ' \n' >"$f.hex"
  base64 -w0 "$f" >"$f.b64"
done

"$LAS_TEST_SECRETS" "$state" >"$TEST_DIR/needles" || fail "cannot derive the secrets"
[ "$(awk '$1 !~ /^public_/ {print $1}' "$TEST_DIR/needles" | sort -u | wc -l)" -eq 9 ] ||
  fail "expected 9 secrets"

# Control: the QE keys are re-derived right (the attestation public key is in the evidence's quote).
hardware_quote_b64=$(jq -r .hardware_quote "$out/evidence.json")
hits=0
while read -r name kind needle; do
  [ "$name" = public_qe_attestation_key ] && [ "$kind" = b64 ] &&
    grep -qF "$needle" <<<"$hardware_quote_b64" && hits=$((hits + 1))
done <"$TEST_DIR/needles"
[ "$hits" -ge 1 ] || fail "control: the re-derived QE attestation key is not the one in the quote"

# Positive control: the search finds the fuses in the state file itself.
od -An -tx1 -v "$state/sim-cpu.state" | tr -d ' \n' | tr 'a-f' 'A-F' >"$TEST_DIR/control"
fuses=$(awk '$1 == "seal_fuses" && $2 == "hex" {print $3}' "$TEST_DIR/needles")
grep -qiF "$fuses" "$TEST_DIR/control" || fail "control: the needle does not find the fuses"
base64 -w0 "$state/sim-cpu.state" >"$TEST_DIR/control.b64"
hits=0
while read -r name kind needle; do
  [ "$name" = seal_fuses ] && [ "$kind" = b64 ] && grep -qF "$needle" "$TEST_DIR/control.b64" &&
    hits=$((hits + 1))
done <"$TEST_DIR/needles"
[ "$hits" -ge 1 ] || fail "control: no base64 needle finds the fuses in the base64 state file"

files=$(find "$out" -type f | wc -l)
while read -r name kind needle; do
  if [ "$kind" = hex ]; then
    leak=$(grep -rliF "$needle" "$out" || true)
  else
    leak=$(grep -rlF "$needle" "$out" || true)
  fi
  [ -z "$leak" ] || fail "$name ($kind) appears in: $leak"
done < <(grep -v '^public_' "$TEST_DIR/needles")
pass "no fuse, REPORT key, SEAL key, seed or simulated QE key bytes in $files outputs (hex any case, base64)"

# Key material is locked in RAM (VmLck > 0), and when mlock is not allowed LAS
# says so clearly and still serves.
start_las locked "$state"
vmlck=$(awk '/^VmLck:/ {print $2}' "/proc/$LAS_PID/status")
grep -q 'key material: in locked memory' "$LAS_LOG" || fail "no locked-memory line"
stop_las "$LAS_PID"
asan=0
# AddressSanitizer turns mlock into a silent no-op: nothing to observe there.
if ldd "$LAS_BIN" 2>/dev/null | grep libasan >/dev/null; then asan=1; fi # no -q: SIGPIPE under pipefail
if [ "$asan" = 1 ]; then
  echo "skip: ASan build: VmLck not checked"
else
  [ "${vmlck:-0}" -gt 0 ] || fail "VmLck is ${vmlck:-missing}: no memory locked"
  pass "key material is in locked memory (VmLck ${vmlck} kB)"
fi

if [ "$asan" = 1 ]; then
  echo "skip: ASan build: mlock failure not observable"
elif command -v prlimit >/dev/null && command -v setpriv >/dev/null; then
  drop=()
  # Root may lock beyond the limit (CAP_IPC_LOCK): drop the capability for the test.
  [ "$(id -u)" -eq 0 ] && drop=(setpriv --bounding-set=-ipc_lock --inh-caps=-ipc_lock)
  log="$TEST_DIR/nolock.log"
  prlimit --memlock=0:0 "${drop[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 \
    --state-dir "$state" >"$log" 2>&1 &
  pid=$!
  LAS_PIDS+=("$pid")
  for _ in $(seq 1 100); do grep -qs 'ready' "$log" && break; sleep 0.05; done
  grep -q 'cannot lock key material in memory' "$log" || fail "mlock failure: no warning"
  [ "$(grep -c 'cannot lock key material' "$log")" -eq 1 ] || fail "mlock warning repeated"
  ! grep -q 'key material: in locked memory' "$log" || fail "claims locked memory"
  grep -q 'ready' "$log" || fail "mlock failure: LAS did not start"
  stop_las "$pid"
  pass "without mlock LAS warns once, clearly, and keeps serving"
else
  echo "skip: prlimit/setpriv missing: mlock failure untested"
fi
