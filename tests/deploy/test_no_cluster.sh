#!/usr/bin/env bash
# scripts/las-init (both paths) and scripts/get-platform-ids without a
# reachable cluster: one line on stderr that says so and names the server,
# exit 3; not kubectl's pages of retries or its advice to turn validation
# off (issue 17.5). With the real kubectl (from scripts/install-helm), once
# without any kubeconfig and once with one whose server is a closed loopback
# port.
source "$(dirname "$0")/lib.sh"
need_yaml_tools
need_helm
KUBECTL=$(dirname "$HELM")/kubectl
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl) || skip "no kubectl next to $HELM or on PATH"
mkdir -p "$TEST_DIR/bin"
ln -s "$KUBECTL" "$TEST_DIR/bin/kubectl"
ln -s "$HELM" "$TEST_DIR/bin/helm"
export PATH=$TEST_DIR/bin:$PATH

# A free loopback port that nobody listens on.
port=$(bash -c 'for p in $(seq 20000 20100); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; exit; }; done')
cat >"$TEST_DIR/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:$port", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
KC

# check NAME WANT_SERVER CMD...: exit 3, exactly one line on stderr naming the server.
check() {
  local name=$1 server=$2
  shift 2
  expect_rc 3 "$@"
  [ "$(wc -l <"$TEST_DIR/err")" -eq 1 ] || { cat "$TEST_DIR/err" >&2; fail "$name: not one line on stderr"; }
  grep -q "cannot reach a Kubernetes cluster ($server)" "$TEST_DIR/err" ||
    fail "$name: $(cat "$TEST_DIR/err")"
  if grep -qi 'validate=false\|memcache' "$TEST_DIR/err"; then fail "$name: kubectl's text leaked"; fi
}
for kc in /nonexistent/kubeconfig "$TEST_DIR/kubeconfig"; do
  want="no kubeconfig: set KUBECONFIG"
  [ "$kc" = /nonexistent/kubeconfig ] || want="https://127.0.0.1:$port"
  export KUBECONFIG=$kc
  check "las-init" "$want" "$LAS_SOURCE_DIR/scripts/las-init" --mode sim --timeout 10s
  check "las-init --no-operator" "$want" "$LAS_SOURCE_DIR/scripts/las-init" --no-operator --mode sim --timeout 10s
  check "get-platform-ids" "$want" "$LAS_SOURCE_DIR/scripts/get-platform-ids" --las-bin "${LAS_BIN:-/bin/true}" -- --allow-simulation
  pass "no cluster ($want): las-init (operator and Helm) and get-platform-ids say so in one line, exit 3"
done
echo "no cluster: all checks passed"
