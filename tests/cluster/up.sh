#!/usr/bin/env bash
# cluster.up (the suite's CTest fixture set-up): brings up a 2-node test
# cluster with scripts/kube-testbed under an instance name of this build
# directory's own (so parallel worktrees and the default instance of a
# developer are left alone), and checks the testbed itself: nodes Ready with
# their own addresses, `up` idempotent, a different node count refused while
# up, `status` and `exec`. Writes the instance name to $LAS_CLUSTER_STATE for
# the other cluster tests, or "SKIP: reason" where a cluster cannot run here
# (not root, no network namespaces, a sanitizer build that cannot go into an
# image): then every cluster test reports itself as skipped, saying why.
source "$(dirname "$0")/lib.sh"
: "${LAS_BIN:?LAS_BIN must point to the las binary}"
rm -f "$LAS_CLUSTER_STATE"

cannot() {
  echo "SKIP: $*" >"$LAS_CLUSTER_STATE"
  skip "$*"
}
[ "$(id -u)" -eq 0 ] || cannot "the test cluster needs root (network namespaces, mounts, containerd)"
if ldd "$LAS_BIN" | grep -E 'lib(asan|ubsan)' >/dev/null; then
  cannot "$LAS_BIN is a sanitizer build, which the LAS image cannot hold; the cluster suite runs with the normal build"
fi
probe=las-netns-probe-$$
ip netns add "$probe" 2>"$TEST_DIR/netns.err" || cannot "this machine does not allow network namespaces: $(cat "$TEST_DIR/netns.err")"
ip netns del "$probe"

KT_NAME=ct$(printf '%s' "$(cd "$(dirname "$LAS_CLUSTER_STATE")" && pwd)" | sha256sum | cut -c1-6)
# A cluster of this build directory left by a killed run is this suite's own.
if "$KT" --name "$KT_NAME" status >/dev/null 2>&1 || [ $? -eq 3 ]; then
  echo "cluster.up: bringing down instance $KT_NAME, left by an earlier run of this build directory"
  "$KT" --name "$KT_NAME" down || fail "kube-testbed down of the leftover instance $KT_NAME failed"
fi

start=$(date +%s)
if ! LAS_BIN=$LAS_BIN "$KT" --name "$KT_NAME" up --nodes 2; then
  # Leave nothing running: cluster.down only knows an instance that came up.
  # The logs go to the build directory first, since down removes them.
  logs=$(dirname "$LAS_CLUSTER_STATE")/cluster-up-logs
  rm -rf "$logs"
  cp -r "${LAS_KUBE_TESTBED_DIR:-/var/lib/las-kube-testbed}/$KT_NAME/logs" "$logs" 2>/dev/null || true
  "$KT" --name "$KT_NAME" down >&2 || true
  fail "kube-testbed up failed (its message names the step; its logs are kept in $logs)"
fi
echo "$KT_NAME" >"$LAS_CLUSTER_STATE"
pass "kube-testbed --name $KT_NAME up --nodes 2 in $(($(date +%s) - start)) s"

NODES=2
k get nodes -o json >"$TEST_DIR/nodes.json" || fail "kubectl get nodes through kube-testbed exec failed"
jq -e --argjson n "$NODES" '.items | length == $n' "$TEST_DIR/nodes.json" >/dev/null || fail "not $NODES nodes"
jq -e 'all(.items[]; any(.status.conditions[]; .type == "Ready" and .status == "True"))' "$TEST_DIR/nodes.json" >/dev/null ||
  fail "not every node is Ready"
ips=$(jq -r '.items[].status.addresses[] | select(.type == "InternalIP") | .address' "$TEST_DIR/nodes.json" | sort -u)
[ "$(wc -l <<<"$ips")" -eq "$NODES" ] || fail "the nodes do not have distinct addresses: $ips"
kv=$(k version -o json | jq -r '.serverVersion.gitVersion')
[[ $kv == v1.20.* ]] || fail "the API server says it is $kv, not 1.20"
pass "$NODES nodes Ready with their own addresses ($(echo $ips)); API server $kv"

# The cluster's addresses exist only inside its namespaces.
for ip in $ips; do
  if ip -o addr | grep -qw "$ip"; then fail "node address $ip is on an interface of the host"; fi
done
pass "no node address on the host's interfaces"

expect_rc 0 "$KT" --name "$KT_NAME" up --nodes 2
expect_output 'up with 2 nodes'
expect_rc 1 "$KT" --name "$KT_NAME" up --nodes 3
expect_output "is up with 2 nodes.*down"
expect_rc 0 "$KT" --name "$KT_NAME" status
expect_output 'state: up'
expect_rc 2 "$KT" --name "Bad_Name" status
expect_output 'invalid instance name'
pass "up again is a no-op; another node count is refused; status; names are checked"
echo "cluster.up: all checks passed"
