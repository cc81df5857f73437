# Helpers for the cluster suite (tests/cluster/*.sh, CTest label cluster):
# a real Kubernetes from scripts/kube-testbed, brought up by up.sh, whose
# instance name it writes to $LAS_CLUSTER_STATE, and brought down by down.sh.
# Every kubectl and helm runs through `kube-testbed exec`, inside the
# cluster's private network namespace.
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib.sh"
: "${LAS_CLUSTER_STATE:?LAS_CLUSTER_STATE must name the file up.sh writes}"
KT=$LAS_SOURCE_DIR/scripts/kube-testbed
CHART=$LAS_SOURCE_DIR/deploy/helm/las
# The LAS pods of a release, as scripts/las-init and get-platform-ids select them.
las_selector() { echo "app.kubernetes.io/instance=$1,app.kubernetes.io/component=attestation,app.kubernetes.io/part-of=las"; }

# need_cluster: sets KT_NAME and NODES; skips when up.sh said the cluster
# cannot run here, fails when it should be up and is not.
need_cluster() {
  [ -f "$LAS_CLUSTER_STATE" ] || fail "no $LAS_CLUSTER_STATE: cluster.up did not run"
  local s
  s=$(cat "$LAS_CLUSTER_STATE")
  case $s in SKIP:*) skip "${s#SKIP: }" ;; esac
  KT_NAME=$s
  "$KT" --name "$KT_NAME" status >"$TEST_DIR/status" 2>&1 || { cat "$TEST_DIR/status" >&2; fail "the test cluster $KT_NAME is not up"; }
  NODES=$(kx kubectl get nodes -o name | wc -l)
}

kx() { "$KT" --name "$KT_NAME" exec -- "$@"; }
k() { kx kubectl "$@"; }
h() { kx helm "$@"; }

# wait_ds NAMESPACE RELEASE: the release's DaemonSet is rolled out and Ready on every node.
wait_ds() {
  local ns=$1 rel=$2 ds
  ds=$(k -n "$ns" get daemonset -l "$(las_selector "$rel")" -o name) || fail "no DaemonSet for release $rel"
  [ -n "$ds" ] || fail "no DaemonSet for release $rel"
  k -n "$ns" rollout status "$ds" --timeout 180s >"$TEST_DIR/rollout" 2>&1 ||
    { cat "$TEST_DIR/rollout" >&2; k -n "$ns" get pods -o wide >&2 || true; fail "$ds did not roll out"; }
  local st
  st=$(k -n "$ns" get "$ds" -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady} {.status.updatedNumberScheduled}')
  [ "$st" = "$NODES $NODES $NODES" ] || fail "$ds: desired/ready/updated $st, expected $NODES on each"
  # rollout status returns when the new pods are Ready; old ones may still be terminating.
  local i
  for i in $(seq 1 60); do
    [ "$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name | wc -l)" -eq "$NODES" ] && return 0
    sleep 1
  done
  fail "$ds: not exactly $NODES pods after the rollout"
}

# scrape_ids NAMESPACE RELEASE: the log-scraping method of operators of such
# services, verbatim: for each LAS pod selected by its labels, `kubectl logs
# pod/NAME | grep 'public key' | tail -n 1 | awk '{print $8}'`. Prints
# "NODE ID" lines (sorted by node) into $TEST_DIR/ids and the joined
# "platforms: [ID1, ID2]" line on stdout.
scrape_ids() {
  local ns=$1 rel=$2 pod node id ids=()
  : >"$TEST_DIR/ids"
  while read -r pod node; do
    id=$(k -n "$ns" logs "pod/$pod" </dev/null 2>/dev/null | grep 'public key' | tail -n 1 | awk '{print $8}')
    [[ $id =~ ^[0-9A-F]{64}$ ]] || fail "pod $pod on $node: the log line gave '$id', not a 64-hex platform ID"
    echo "$node $id" >>"$TEST_DIR/ids"
    ids+=("$id")
  done < <(k -n "$ns" get pods -l "$(las_selector "$rel")" \
    -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName}{"\n"}{end}')
  sort -o "$TEST_DIR/ids" "$TEST_DIR/ids"
  printf 'platforms: [%s]\n' "$(IFS=,; echo "${ids[*]-}" | sed 's/,/, /g')"
}

# id_of NODE: the ID scrape_ids found for NODE.
id_of() { awk -v n="$1" '$1 == n {print $2}' "$TEST_DIR/ids"; }

# expect_distinct_ids: one ID per node, all different.
expect_distinct_ids() {
  [ "$(wc -l <"$TEST_DIR/ids")" -eq "$NODES" ] || fail "$(wc -l <"$TEST_DIR/ids") IDs for $NODES nodes: $(cat "$TEST_DIR/ids")"
  [ "$(awk '{print $2}' "$TEST_DIR/ids" | sort -u | wc -l)" -eq "$NODES" ] ||
    fail "the nodes do not have distinct platform IDs: $(cat "$TEST_DIR/ids")"
}

# sorted_platforms LINE: the IDs of a "platforms: [...]" line, sorted, one per line.
sorted_platforms() { sed -n 's/^platforms: \[\(.*\)\]$/\1/p' <<<"$1" | tr -d ' ' | tr ',' '\n' | sort; }
