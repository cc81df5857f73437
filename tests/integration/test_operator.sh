#!/usr/bin/env bash
# las-operator as a process, without a cluster: options and exit codes (as
# `las serve` has them), its own /healthz, /readyz and /metrics, back-off
# while the API server cannot be reached (and no token in any log line),
# SIGTERM, and the init-state-dir helper of the DaemonSet. Everything that
# needs the API server runs on the test cluster (tests/cluster/test_operator.sh).
source "$(dirname "$0")/lib.sh"
: "${LAS_OPERATOR_BIN:?LAS_OPERATOR_BIN must point to the las-operator binary}"
OP=$LAS_OPERATOR_BIN
unset LAS_ALLOW_ROOT KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
export LAS_OPERATOR_ALLOW_ROOT=1

expect_rc 0 "$OP" --help
grep -q -- '--kubeconfig PATH' "$TEST_DIR/out" || fail "--help lists no --kubeconfig"
grep -q '^  5  cannot listen' "$TEST_DIR/out" || fail "--help lists no exit codes"
expect_rc 0 "$OP" version
grep -qx "las-operator $("$LAS_BIN" version | awk '{print $2}')" "$TEST_DIR/out" || fail "version: $(cat "$TEST_DIR/out")"
for bad in "--frobnicate" "--image" "--lease-duration 1 --image x" "--namespace Bad_NS --image x" \
  "--listen nowhere --image x" "--renew-deadline 20 --image x" "--log-level loud --image x" \
  "--evidence-via dns --image x" "--imag x" "--allow-root=1 --image x"; do
  read -r -a args <<<"$bad"
  expect_rc 2 "$OP" "${args[@]}"
  grep -q 'las-operator: ' "$TEST_DIR/err" || fail "'$bad': no message"
done
expect_rc 2 "$OP"
grep -q -- '--image (LAS_OPERATOR_IMAGE) is required' "$TEST_DIR/err" || fail "no --image: $(cat "$TEST_DIR/err")"
expect_rc 2 env LAS_OPERATOR_RESYNC=soon "$OP" --image x
grep -q 'LAS_OPERATOR_RESYNC' "$TEST_DIR/err" || fail "a bad variable is not named"
if [ "$(id -u)" -eq 0 ]; then
  expect_rc 6 env -u LAS_OPERATOR_ALLOW_ROOT "$OP" --image x
  grep -q 'refusing to run as root' "$TEST_DIR/err" || fail "root refusal: $(cat "$TEST_DIR/err")"
fi
expect_rc 3 "$OP" --image x --kubeconfig "$TEST_DIR/none"
grep -q 'cannot read kubeconfig' "$TEST_DIR/err" || fail "missing kubeconfig: $(cat "$TEST_DIR/err")"
expect_rc 3 "$OP" --image x
grep -q 'not in a cluster' "$TEST_DIR/err" || fail "no cluster: $(cat "$TEST_DIR/err")"
pass "options, variables and exit codes 2, 3 and 6 as las serve has them"

# An API server that is not there: port 1 (tcpmux) of the loopback, where nothing listens.
closed=1
cat >"$TEST_DIR/kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: t
contexts: [{name: t, context: {cluster: c, user: u, namespace: lasop}}]
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:$closed', insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: sEcReT-t0ken-value}}]
KC
log=$TEST_DIR/op.log
"$OP" --kubeconfig "$TEST_DIR/kubeconfig" --image localhost/las:test --listen 127.0.0.1:0 \
  --identity test-1 >"$log" 2>&1 &
pid=$!
LAS_PIDS+=("$pid")
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*readyz and \/metrics on .* (port \([0-9]*\)).*/\1/p' "$log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "las-operator exited: $(cat "$log")"
  sleep 0.1
done
[ -n "$port" ] || fail "las-operator did not log its port"
grep -q 'managing namespace lasop' "$log" || fail "the kubeconfig's namespace is not used"
grep -q 'config: kubeconfig=' "$log" || fail "the configuration is not logged"
get() { curl -s -o "$TEST_DIR/body" -w '%{http_code}' "http://127.0.0.1:$port$1"; }
[ "$(get /healthz)" = 200 ] || fail "/healthz"
[ "$(get /readyz)" = 503 ] || fail "/readyz answered before any list succeeded"
grep -q 'not synced' "$TEST_DIR/body" || fail "/readyz body: $(cat "$TEST_DIR/body")"
[ "$(get /nothing)" = 404 ] || fail "/nothing"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/healthz")" = 405 ] || fail "POST /healthz"
sleep 4
[ "$(get /metrics)" = 200 ] || fail "/metrics"
grep -q '^las_operator_leader 0$' "$TEST_DIR/body" || fail "leader without an API server"
grep -q '^las_operator_build_info{version=' "$TEST_DIR/body" || fail "no build info"
r1=$(sed -n 's/^las_operator_watch_restarts_total{resource="pods"} //p' "$TEST_DIR/body")
[ "${r1:-0}" -ge 2 ] || fail "no retries of the pod list: $(grep restarts "$TEST_DIR/body")"
# Back-off: the retries slow down (0.5 s doubling), so a few seconds see few of them.
[ "$r1" -le 8 ] || fail "$r1 retries in 4 s: no back-off"
grep -q 'list pods: .*retrying in [0-9]* ms' "$log" || fail "no retry logged: $(tail -n 5 "$log")"
grep -q 'leader election: cannot read the Lease' "$log" || fail "the Lease error is not logged"
grep -q 'sEcReT' "$log" && fail "the token appears in the log"
pass "no API server: /healthz 200, /readyz 503, /metrics, retries with back-off ($r1 in 4 s), token never logged"

expect_rc 5 "$OP" --kubeconfig "$TEST_DIR/kubeconfig" --image x --listen "127.0.0.1:$port"
grep -q 'cannot listen' "$TEST_DIR/err" || fail "listen in use: $(cat "$TEST_DIR/err")"
kill -TERM "$pid"
rc=0
t0=$SECONDS
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "las-operator exited with $rc after SIGTERM: $(tail -n 5 "$log")"
[ $((SECONDS - t0)) -le 5 ] || fail "SIGTERM took $((SECONDS - t0)) s"
grep -q 'received SIGTERM: stopping' "$log" && grep -q 'stopped$' "$log" || fail "stop not logged"
pass "exit 5 when the port is taken; SIGTERM stops it in $((SECONDS - t0)) s with exit 0"

# The DaemonSet's init container: hands the state directory to uid 10001, mode 0700.
if [ "$(id -u)" -eq 0 ]; then
  mkdir -m 0755 "$TEST_DIR/state"
  expect_rc 0 "$OP" init-state-dir "$TEST_DIR/state"
  [ "$(stat -c '%u:%g %a' "$TEST_DIR/state")" = "10001:10001 700" ] || fail "init-state-dir: $(stat -c '%u:%g %a' "$TEST_DIR/state")"
  ln -s "$TEST_DIR/state" "$TEST_DIR/link"
  expect_rc 3 "$OP" init-state-dir "$TEST_DIR/link"
  expect_rc 3 "$OP" init-state-dir "$TEST_DIR/absent"
  expect_rc 2 "$OP" init-state-dir
  # As in the init container: root with CHOWN and FOWNER only, first on the
  # directory that kubelet made, then again (every later start) on the one
  # that LAS owns with mode 0700, which root without DAC_READ_SEARCH cannot open.
  rm -rf "$TEST_DIR/state" && mkdir -m 0755 "$TEST_DIR/state"
  caps=(setpriv --inh-caps=-all,+chown,+fowner --bounding-set=-all,+chown,+fowner --)
  expect_rc 0 "${caps[@]}" "$OP" init-state-dir "$TEST_DIR/state"
  expect_rc 0 "${caps[@]}" "$OP" init-state-dir "$TEST_DIR/state"
  grep -q 'mode 0700 already' "$TEST_DIR/out" || fail "init-state-dir again: $(cat "$TEST_DIR/out")"
  chmod 0755 "$TEST_DIR/state"
  expect_rc 0 "${caps[@]}" "$OP" init-state-dir "$TEST_DIR/state"
  [ "$(stat -c '%u:%g %a' "$TEST_DIR/state")" = "10001:10001 700" ] || fail "init-state-dir with CHOWN+FOWNER: $(stat -c '%u:%g %a' "$TEST_DIR/state")"
  expect_rc 3 "${caps[@]}" "$OP" init-state-dir "$TEST_DIR/state/absent"
  pass "init-state-dir: owner 10001, mode 0700, also with CHOWN and FOWNER only and again on its own directory; a symbolic link or a missing directory is refused"
fi
echo "operator: all checks passed"
