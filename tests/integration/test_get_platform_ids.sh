#!/usr/bin/env bash
# scripts/get-platform-ids against a stand-in kubectl that maps pods to local LAS instances.
source "$(dirname "$0")/lib.sh"
: "${LAS_SOURCE_DIR:?}"

start_las a "$TEST_DIR/a"; addr_a=$LAS_ADDR; pid_a=$LAS_PID
start_las b "$TEST_DIR/b"; addr_b=$LAS_ADDR; pid_b=$LAS_PID
id_a=$("$LAS_BIN" id --las "$addr_a"); id_b=$("$LAS_BIN" id --las "$addr_b")

mkdir -p "$TEST_DIR/bin"
cat >"$TEST_DIR/bin/kubectl" <<STUB
#!/usr/bin/env bash
# get pods -n NS -l SELECTOR -o jsonpath=...  |  exec -n NS POD -- las evidence --las ...
echo "\$*" >>"$TEST_DIR/kubectl.calls"
case "\$1" in
  get) printf 'las-a\nlas-b\nlas-broken\n' ;;
  exec)
    case "\$4" in
      las-a) exec "$LAS_BIN" evidence --las "$addr_a" ;;
      las-b) exec "$LAS_BIN" evidence --las "$addr_b" ;;
      *) echo "error: pod not running" >&2; exit 1 ;;
    esac ;;
  *) exit 1 ;;
esac
STUB
chmod +x "$TEST_DIR/bin/kubectl"

cat "$TEST_DIR/a/sim-qe-root-ca.pem" "$TEST_DIR/b/sim-qe-root-ca.pem" >"$TEST_DIR/roots.pem"
rc=0
PATH="$TEST_DIR/bin:$PATH" bash "$LAS_SOURCE_DIR/scripts/get-platform-ids" -n prod -r myrel \
  --las-bin "$LAS_BIN" -- --allow-simulation --sim-root "$TEST_DIR/roots.pem" \
  >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
[ "$rc" = 1 ] || fail "expected exit 1 (one broken pod), got $rc"
grep -q "^platforms: \[$id_a, $id_b\]$" "$TEST_DIR/out" || fail "IDs: $(cat "$TEST_DIR/out")"
grep -q "las-broken: cannot fetch evidence" "$TEST_DIR/err" || fail "broken pod not reported"
grep -q "get pods -n prod -l app.kubernetes.io/instance=myrel,app.kubernetes.io/component=attestation,app.kubernetes.io/part-of=las" \
  "$TEST_DIR/kubectl.calls" || fail "pods not selected by release label"
pass "verified IDs of all reachable pods, broken pod reported (exit 1)"

rc=0
PATH="$TEST_DIR/bin:$PATH" bash "$LAS_SOURCE_DIR/scripts/get-platform-ids" --las-bin "$LAS_BIN" \
  -- --allow-simulation >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
[ "$rc" = 1 ] || fail "no root pinned: exit $rc, want 1"
if grep -q "^platforms:" "$TEST_DIR/out"; then fail "no root pinned: a platforms line without a verified ID: $(cat "$TEST_DIR/out")"; fi
grep -q "no platform ID verified; no platforms line printed" "$TEST_DIR/err" || fail "no root pinned: $(cat "$TEST_DIR/err")"
grep -q "las-a: REFUSED (anchor)" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
rc=0
PATH="$TEST_DIR/bin:$PATH" bash "$LAS_SOURCE_DIR/scripts/get-platform-ids" --las-bin "$LAS_BIN" \
  --trust-sim-roots -- --allow-simulation >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
[ "$rc" = 1 ] || fail "--trust-sim-roots: expected exit 1 (one broken pod), got $rc"
grep -q "^platforms: \[$id_a, $id_b\]$" "$TEST_DIR/out" || fail "--trust-sim-roots: $(cat "$TEST_DIR/out")"
grep -q "las-a: simulated root CA [0-9a-f]* trusted on first use" "$TEST_DIR/err" || fail "no TOFU note"
pass "simulated roots: pinned, refused without a pin, or trusted on first use when asked"

rc=0
PATH="$TEST_DIR/bin:$PATH" bash "$LAS_SOURCE_DIR/scripts/get-platform-ids" \
  --las-bin "$LAS_BIN" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
[ "$rc" = 1 ] || fail "simulated evidence must be refused without --allow-simulation"
if grep -q "^platforms:" "$TEST_DIR/out"; then fail "a platforms line without a verified ID: $(cat "$TEST_DIR/out")"; fi
grep -q "no platform ID verified; no platforms line printed" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
grep -q "las-a: REFUSED (hardware_quote)" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
pass "evidence is verified locally: simulation refused unless allowed"

expect_rc 2 bash "$LAS_SOURCE_DIR/scripts/get-platform-ids" --via carrier-pigeon
expect_rc 0 bash "$LAS_SOURCE_DIR/scripts/get-platform-ids" --help
grep -q '^usage: scripts/get-platform-ids' "$TEST_DIR/out" || fail "--help: $(cat "$TEST_DIR/out")"
if grep -q 'set -euo' "$TEST_DIR/out"; then fail "--help prints the script"; fi
stop_las "$pid_a"; stop_las "$pid_b"
