#!/usr/bin/env bash
# The LAS operator on the real test cluster (docs/operator.md): installed by
# scripts/las-init's operator path from the image that the testbed loaded,
# two replicas electing a leader, real LAS pods on every node. Checks, in
# order:
#   - creating a resource runs LAS on every node, and the status lists every
#     node's verified ID: the same IDs as the pods' log line and
#     scripts/get-platform-ids; the <name>-platforms ConfigMap holds them;
#   - one full status sweep, measured, and its extrapolation to 1,000 nodes;
#   - a spec change rolls out (observedGeneration, new pods, same IDs);
#   - a deleted LAS pod shows as not ready, then recovers;
#   - a sim CPUSVN change gives PlatformIDChanged Events with a verified
#     succession, new IDs in the status and the ConfigMap;
#   - killing the leader during a reconcile: the other replica takes over
#     through the Lease and finishes the work; a graceful stop releases the
#     Lease at once;
#   - evidence that is not acceptable (simulation not allowed, another LAS
#     signer pinned) is listed unverified and kept out of the ConfigMap;
#   - invalid resources are refused by the API server, naming the field, and
#     a spec the schema cannot catch is reported in the status;
#   - deleting the resource removes the DaemonSet, ServiceAccount and ConfigMap.
source "$(dirname "$0")/../deploy/lib.sh"
: "${LAS_BIN:?LAS_BIN must point to the las binary}"
command -v jq >/dev/null || skip "jq is missing (./scripts/install-deps)"
[ "$(id -u)" -eq 0 ] || skip "the test cluster needs root (network namespaces, mounts, containerd)"
if ldd "$LAS_BIN" | grep -E 'lib(asan|ubsan)' >/dev/null; then
  skip "$LAS_BIN is a sanitizer build, which the LAS image cannot hold"
fi
KT=$LAS_SOURCE_DIR/scripts/kube-testbed
# A cluster of this test's own (instance $LAS_OPERATOR_TESTBED, default "op"):
# brought up when it is not up, brought down at the end when this test
# brought it up (LAS_OPERATOR_TESTBED_KEEP=1 keeps it).
KT_NAME=${LAS_OPERATOR_TESTBED:-op}
if ! "$KT" --name "$KT_NAME" status >/dev/null 2>&1; then
  LAS_BIN=$LAS_BIN "$KT" --name "$KT_NAME" up --nodes 2 || fail "kube-testbed --name $KT_NAME up failed"
  [ "${LAS_OPERATOR_TESTBED_KEEP:-0}" = 1 ] || CLEANUP_CMDS+=("'$KT' --name '$KT_NAME' down")
fi
kx() { "$KT" --name "$KT_NAME" exec -- "$@"; }
k() { kx kubectl "$@"; }
NODES=$(k get nodes -o name | wc -l)
[ "$NODES" -ge 2 ] || fail "the test cluster has $NODES nodes"
NS=lasop
CR=las
las_selector() {
  echo "app.kubernetes.io/instance=$1,app.kubernetes.io/component=attestation,app.kubernetes.io/part-of=las"
}
# sorted_platforms LINE: the IDs of a "platforms: [...]" line, sorted, one per line.
sorted_platforms() { sed -n 's/^platforms: \[\(.*\)\]$/\1/p' <<<"$1" | tr -d ' ' | tr ',' '\n' | sort; }
# wait_ds NS NAME: the DaemonSet is rolled out on every node, old pods gone.
wait_ds() {
  k -n "$1" rollout status "daemonset/$2" --timeout 180s >"$TEST_DIR/rollout" 2>&1 ||
    { cat "$TEST_DIR/rollout" >&2; k -n "$1" get pods -o wide >&2 || true; fail "daemonset/$2 did not roll out"; }
  local i
  for i in $(seq 1 90); do
    [ "$(k -n "$1" get pods -l "$(las_selector "$2")" -o name | wc -l)" -eq "$NODES" ] && return 0
    sleep 1
  done
  fail "daemonset/$2: not exactly $NODES pods after the rollout"
}
# scrape_ids NS NAME: the log-scraping method, verbatim, per LAS pod: "NODE ID"
# lines into $TEST_DIR/ids, the joined "platforms: [...]" line on stdout.
scrape_ids() {
  local pod node id ids=()
  : >"$TEST_DIR/ids"
  while read -r pod node; do
    id=$(k -n "$1" logs "pod/$pod" -c las </dev/null 2>/dev/null | grep 'public key' | tail -n 1 | awk '{print $8}')
    [[ $id =~ ^[0-9A-F]{64}$ ]] || fail "pod $pod on $node: the log line gave '$id'"
    echo "$node $id" >>"$TEST_DIR/ids"
    ids+=("$id")
  done < <(k -n "$1" get pods -l "$(las_selector "$2")" \
    -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName}{"\n"}{end}')
  printf 'platforms: [%s]\n' "$(IFS=,; echo "${ids[*]-}" | sed 's/,/, /g')"
}
expect_distinct_ids() {
  [ "$(awk '{print $2}' "$TEST_DIR/ids" | sort -u | wc -l)" -eq "$NODES" ] ||
    fail "not $NODES distinct platform IDs: $(cat "$TEST_DIR/ids")"
}

# cr_json: the resource as JSON.
cr_json() { k -n "$NS" get las "$CR" -o json; }
# wait_for SECONDS WHAT CMD...: until CMD succeeds, else fail naming WHAT.
wait_for() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "--- resource:" >&2
  cr_json >&2 || true
  echo "--- operator logs:" >&2
  k -n "$NS" logs -l app.kubernetes.io/name=las-operator --tail 40 --prefix >&2 || true
  fail "$what (waited $secs s)"
}
# ready_now: the resource's status is current and Ready.
ready_now() {
  cr_json | jq -e '.metadata.generation == .status.observedGeneration and
    any(.status.conditions[]; .type == "Ready" and .status == "True")' >/dev/null
}
status_platforms() { cr_json | jq -r '.status.platforms[]' | sort; }
configmap_platforms() {
  sorted_platforms "$(k -n "$NS" get configmap "$CR-platforms" -o jsonpath='{.data.platforms\.yaml}')"
}
leader() { k -n "$NS" get lease las-operator -o jsonpath='{.spec.holderIdentity}'; }
generation() { cr_json | jq -r .metadata.generation; }
observed() { cr_json | jq -r .status.observedGeneration; }
CLEANUP_CMDS+=("'$KT' --name '$KT_NAME' exec -- kubectl delete namespace $NS --wait=false >/dev/null 2>&1")

# --- the testbed's restrictions ----------------------------------------------------
# The testbed runs no kube-proxy and routes no pod network between nodes
# (docs/testing.md): a pod on the pod network reaches neither the API
# server's Service address nor another node's pods. The operator's pods
# therefore run in their nodes' network namespaces here (hostNetwork), reach
# the API server at its own address, and ask each LAS at its node's IP and
# host port (--evidence-via host), as applications reach their LAS. Nothing
# else of deploy/operator/ changes: these lines are added to a copy.
api=$(k get endpoints kubernetes -o jsonpath='{.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}')
[[ $api =~ ^[0-9.]+:[0-9]+$ ]] || fail "no API server endpoint: '$api'"
mkdir -p "$TEST_DIR/operator"
cp "$LAS_SOURCE_DIR/deploy/operator/crd.yaml" "$TEST_DIR/operator/"
awk -v host="${api%:*}" -v port="${api#*:}" '
  { print }
  /^      serviceAccountName: las-operator$/ {
    print "      hostNetwork: true"
    print "      dnsPolicy: ClusterFirstWithHostNet" }
  /^          env:$/ {
    print "            - {name: KUBERNETES_SERVICE_HOST, value: \"" host "\"}"
    print "            - {name: KUBERNETES_SERVICE_PORT, value: \"" port "\"}"
    print "            - {name: LAS_OPERATOR_EVIDENCE_VIA, value: host}" }
  /^  replicas: 2$/ { print "  strategy: {type: Recreate}" }
' "$LAS_SOURCE_DIR/deploy/operator/operator.yaml" >"$TEST_DIR/operator/operator.yaml"
[ "$(grep -c 'hostNetwork: true\|KUBERNETES_SERVICE_HOST\|EVIDENCE_VIA\|type: Recreate' "$TEST_DIR/operator/operator.yaml")" -eq 4 ] ||
  fail "the testbed lines did not go into the operator manifest (did operator.yaml change?)"

# --- install through the operator ----------------------------------------------
k delete namespace "$NS" --ignore-not-found --wait=true --timeout 120s >/dev/null
# Host port 18866: the other cluster tests' LAS pods may hold 18766 on the nodes.
expect_rc 0 kx "$LAS_SOURCE_DIR/scripts/las-init" -n "$NS" -r "$CR" --mode sim --timeout 5m \
  --operator-manifests "$TEST_DIR/operator" --set hostPort=18866
cp "$TEST_DIR/out" "$TEST_DIR/las-init.out"
init_line=$(grep '^platforms: \[' "$TEST_DIR/las-init.out" | tail -n 1)
[ -n "$init_line" ] || fail "las-init printed no platforms line"
[ "$(k -n "$NS" get deployment las-operator -o jsonpath='{.status.readyReplicas}')" = 2 ] ||
  fail "the operator's two replicas are not ready"
wait_ds "$NS" "$CR"
status_ids=$(status_platforms)
[ "$(wc -l <<<"$status_ids")" -eq "$NODES" ] || fail "status.platforms has not $NODES IDs: $status_ids"
[ "$(sorted_platforms "$init_line")" = "$status_ids" ] || fail "las-init printed '$init_line', the status says $status_ids"
scraped=$(scrape_ids "$NS" "$CR")
expect_distinct_ids
[ "$(sorted_platforms "$scraped")" = "$status_ids" ] || fail "the logs say '$scraped', the status $status_ids"
gpi=$(kx "$LAS_SOURCE_DIR/scripts/get-platform-ids" --las-bin "$LAS_BIN" -n "$NS" -r "$CR" --trust-sim-roots -- --allow-simulation)
[ "$(sorted_platforms "$(grep '^platforms:' <<<"$gpi")")" = "$status_ids" ] ||
  fail "get-platform-ids says '$gpi', the status $status_ids"
cr_json >"$TEST_DIR/cr.json"
jq -e --argjson n "$NODES" '.status.nodes | length == $n and all(.[]; .verified and .ready and .simulated
    and (.platformID | test("^[0-9A-F]{64}$")) and .tcbStatus == "NotEvaluated")' "$TEST_DIR/cr.json" >/dev/null ||
  fail "status.nodes: $(jq -c .status.nodes "$TEST_DIR/cr.json")"
# Each node's ID is the one its own pod logs.
while read -r node id; do
  [ "$(jq -r --arg n "$node" '.status.nodes[] | select(.name == $n) | .platformID' "$TEST_DIR/cr.json")" = "$id" ] ||
    fail "node $node: the status and the log line disagree"
done <"$TEST_DIR/ids"
[ "$(configmap_platforms)" = "$status_ids" ] || fail "the ConfigMap says $(configmap_platforms)"
owner=$(k -n "$NS" get daemonset "$CR" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}')
[ "$owner" = "LocalAttestationService/$CR" ] || fail "the DaemonSet's owner is '$owner'"
k -n "$NS" get daemonset "$CR" -o json | jq -e '.metadata.managedFields | any(.manager == "las-operator" and .operation == "Apply")' >/dev/null ||
  fail "the DaemonSet was not applied server-side by the field manager las-operator"
pass "las-init (operator): LAS on $NODES nodes, status.platforms = log lines = get-platform-ids = ConfigMap"

# --- one full sweep, measured ----------------------------------------------------
first_leader=$(leader)
[ -n "$first_leader" ] || fail "nobody holds the Lease"
wait_for 150 "a full sweep logged by the leader" sh -c \
  "'$KT' --name '$KT_NAME' exec -- kubectl -n $NS logs $first_leader | grep -q 'sweep $CR: $NODES nodes, $NODES fetched'"
sweep=$(k -n "$NS" logs "$first_leader" | grep "sweep $CR: $NODES nodes, $NODES fetched" | tail -n 1)
fetch_ms=$(sed -E 's/.* fetched in ([0-9.]+) ms.*/\1/' <<<"$sweep")
all_ms=$(sed -E 's/.*, ([0-9.]+) ms in all.*/\1/' <<<"$sweep")
bytes=$(sed -E 's/.*status ([0-9]+) bytes.*/\1/' <<<"$sweep")
# The verification cost of a node: the operator verifies again only when evidence changes, so
# time the verifier on one node's evidence here (the same library call, las verify-evidence).
k -n "$NS" exec "$(k -n "$NS" get pods -l "$(las_selector "$CR")" -o jsonpath='{.items[0].metadata.name}')" -- \
  las evidence --las 127.0.0.1:18766 >"$TEST_DIR/evidence.json"
t0=$(date +%s%N)
# Simulated evidence is anchored by its own simulated root (docs/evidence.md): pin it as presented.
root_pin=$("$LAS_BIN" inspect "$TEST_DIR/evidence.json" | sed -n 's/^root_pin: *//p')
for _ in $(seq 1 20); do
  "$LAS_BIN" verify-evidence "$TEST_DIR/evidence.json" --allow-simulation --sim-root "$root_pin" >/dev/null
done
verify_ms=$(awk -v t="$(($(date +%s%N) - t0))" 'BEGIN {printf "%.2f", t / 20 / 1e6}')
awk -v n="$NODES" -v f="$fetch_ms" -v a="$all_ms" -v b="$bytes" -v v="$verify_ms" 'BEGIN {
  printf "sweep over %d nodes: %.1f ms (fetch %.1f ms, %.2f ms a node); status %d bytes\n", n, a, f, f / n, b
  printf "one verification (las verify-evidence, process included): %.2f ms\n", v
  printf "1,000 nodes from these figures: sweep %.1f s without verification, %.1f s when every node'"'"'s evidence changed; status %.0f KiB\n",
    a / n * 1000 / 1000, (a / n + v) * 1000 / 1000, b / n * 1000 / 1024 }' | tee "$TEST_DIR/sweep"
pass "one full status sweep measured (figures above)"

# --- a spec change rolls out ---------------------------------------------------------
pods_before=$(k -n "$NS" get pods -l "$(las_selector "$CR")" -o jsonpath='{.items[*].metadata.name}')
gen=$(generation)
k -n "$NS" patch las "$CR" --type merge -p '{"spec":{"logLevel":"debug"}}' >/dev/null
wait_for 30 "the operator applies the new spec" sh -c \
  "'$KT' --name '$KT_NAME' exec -- kubectl -n $NS get daemonset $CR -o json | jq -e '.spec.template.spec.containers[0].args | index(\"debug\")'"
wait_ds "$NS" "$CR"
wait_for 120 "Ready for the new generation" ready_now
[ "$(observed)" -gt "$gen" ] || fail "observedGeneration did not move past $gen"
pods_after=$(k -n "$NS" get pods -l "$(las_selector "$CR")" -o jsonpath='{.items[*].metadata.name}')
for p in $pods_after; do
  case " $pods_before " in *" $p "*) fail "pod $p was not replaced by the rollout" ;; esac
done
[ "$(status_platforms)" = "$status_ids" ] || fail "a rollout changed the IDs"
pass "a spec change rolls out: new pods, observedGeneration $(observed), same IDs"

# --- a deleted LAS pod shows as not ready, then recovers --------------------------------
victim_node=$(k -n "$NS" get pods -l "$(las_selector "$CR")" -o jsonpath='{.items[0].spec.nodeName}')
victim=$(k -n "$NS" get pods -l "$(las_selector "$CR")" -o jsonpath='{.items[0].metadata.name}')
k -n "$NS" delete pod "$victim" --wait=false >/dev/null
node_ready() { cr_json | jq -e --arg n "$victim_node" --argjson r "$1" 'any(.status.nodes[]; .name == $n and .ready == $r)' >/dev/null; }
wait_for 60 "node $victim_node shown as not ready" node_ready false
cr_json | jq -e '.status.conditions[] | select(.type == "Ready") | .status == "False"' >/dev/null ||
  fail "Ready stayed True with a node down"
wait_for 120 "node $victim_node ready again" node_ready true
wait_for 60 "Ready again" ready_now
[ "$(status_platforms)" = "$status_ids" ] || fail "the restarted pod changed the IDs"
pass "deleted pod on $victim_node: not ready, then ready again with the same ID"

# --- a simulated microcode update -------------------------------------------------------
old_ids=$status_ids
k -n "$NS" patch las "$CR" --type merge -p '{"spec":{"simCpusvn":"0f0f0204ff800e000000000000000001"}}' >/dev/null
new_ids_differ() {
  local now
  now=$(status_platforms)
  ready_now && [ "$(wc -l <<<"$now")" -eq "$NODES" ] && [ -z "$(comm -12 <(echo "$now") <(echo "$old_ids"))" ]
}
wait_for 240 "every node with a new verified ID" new_ids_differ
new_ids=$(status_platforms)
wait_for 30 "the ConfigMap with the new IDs" sh -c "[ \"\$(echo \"$new_ids\")\" = \"\$('$KT' --name '$KT_NAME' exec -- kubectl -n $NS get configmap $CR-platforms -o jsonpath='{.data.platforms\\.yaml}' | sed -n 's/^platforms: \\[\\(.*\\)\\]\$/\\1/p' | tr -d ' ' | tr ',' '\\n' | sort)\" ]"
k -n "$NS" get events --field-selector reason=PlatformIDChanged -o json >"$TEST_DIR/events.json"
for old in $old_ids; do
  jq -e --arg o "$old" 'any(.items[]; .type == "Normal" and (.message | contains($o + " -> ")) and
      (.message | contains("a verified succession statement links")))' "$TEST_DIR/events.json" >/dev/null ||
    fail "no PlatformIDChanged Event with a verified succession from $old: $(jq -c '[.items[].message]' "$TEST_DIR/events.json")"
done
cr_json | jq -e --argjson old "$(jq -R . <<<"$old_ids" | jq -s .)" 'all(.status.nodes[];
    .lastSuccession.verified and (.lastSuccession.from as $f | $old | index($f)) and .lastSuccession.to == .platformID)' >/dev/null ||
  fail "status.nodes[].lastSuccession: $(cr_json | jq -c '[.status.nodes[].lastSuccession]')"
pass "sim CPUSVN change: new IDs, PlatformIDChanged Events with verified successions, ConfigMap updated"

# --- the leader killed during a reconcile --------------------------------------------------
first=$(leader)
others=$(k -n "$NS" get pods -l app.kubernetes.io/name=las-operator -o jsonpath='{.items[*].metadata.name}')
[[ " $others " == *" $first "* ]] || fail "the Lease holder '$first' is not an operator pod ($others)"
gen=$(generation)
k -n "$NS" patch las "$CR" --type merge -p '{"spec":{"logLevel":"info"}}' >/dev/null
# Killed at once, no graceful stop: its Lease must expire before the other may take it.
k -n "$NS" delete pod "$first" --grace-period=0 --force >/dev/null 2>&1
t0=$SECONDS
new_leader() { local l; l=$(leader); [ -n "$l" ] && [ "$l" != "$first" ]; }
wait_for 60 "another replica takes the Lease" new_leader
takeover=$((SECONDS - t0))
second=$(leader)
wait_for 180 "the new leader reconciles generation $((gen + 1))" ready_now
[ "$(observed)" -gt "$gen" ] || fail "the spec change made before the kill was not reconciled"
[ "$(k -n "$NS" get lease las-operator -o jsonpath='{.spec.leaseTransitions}')" -ge 1 ] || fail "leaseTransitions did not move"
pass "leader $first killed: $second took the Lease after $takeover s and reconciled the change"

# A graceful stop releases the Lease: the standby takes it within its retry period, not a lease duration.
wait_for 120 "both operator replicas ready" sh -c \
  "[ \"\$('$KT' --name '$KT_NAME' exec -- kubectl -n $NS get deployment las-operator -o jsonpath='{.status.readyReplicas}')\" = 2 ]"
first=$(leader)
k -n "$NS" delete pod "$first" --wait=false >/dev/null
t0=$SECONDS
wait_for 60 "another replica takes the released Lease" new_leader
released=$((SECONDS - t0))
[ "$released" -lt 12 ] || fail "takeover after a graceful stop took $released s: the Lease was not released"
pass "graceful stop of $first: Lease released, $(leader) leads after $released s (kill: $takeover s)"

# --- evidence that is not acceptable -----------------------------------------------------------
all_unverified() {
  cr_json | jq -e --arg why "$1" '.metadata.generation == .status.observedGeneration and
      (.status.platforms | length) == 0 and
      all(.status.nodes[]; (.verified | not) and (.reason | contains($why)))' >/dev/null
}
k -n "$NS" patch las "$CR" --type merge -p '{"spec":{"verification":{"allowSimulation":false}}}' >/dev/null
wait_for 60 "every node unverified when simulation is not allowed" all_unverified hardware_quote
[ "$(k -n "$NS" get configmap "$CR-platforms" -o jsonpath='{.data.platforms\.yaml}')" = "platforms: []" ] ||
  fail "the ConfigMap still lists IDs: $(k -n "$NS" get configmap "$CR-platforms" -o jsonpath='{.data.platforms\.yaml}')"
cr_json | jq -e '.status.conditions[] | select(.type == "Degraded") | .status == "True" and .reason == "VerificationFailed"' >/dev/null ||
  fail "Degraded is not True/VerificationFailed"
k -n "$NS" get events --field-selector reason=VerificationFailed -o json |
  jq -e 'any(.items[]; .type == "Warning")' >/dev/null || fail "no VerificationFailed Event"
other=$(printf '42%.0s' $(seq 32))
k -n "$NS" patch las "$CR" --type merge \
  -p "{\"spec\":{\"verification\":{\"allowSimulation\":true,\"lasMrsigner\":\"$other\"}}}" >/dev/null
wait_for 60 "every node unverified with another LAS signer pinned" all_unverified las_identity
k -n "$NS" patch las "$CR" --type json -p '[{"op":"remove","path":"/spec/verification/lasMrsigner"}]' >/dev/null
wait_for 60 "verified again" ready_now
[ "$(status_platforms)" = "$new_ids" ] || fail "the IDs after re-verification: $(status_platforms)"
pass "simulation not allowed / another signer pinned: every node unverified, ConfigMap empty; then verified again"

# --- invalid resources -------------------------------------------------------------------------
invalid() {
  local spec=$1 field=$2
  expect_rc 1 kx sh -c "printf '%s' '{\"apiVersion\":\"las.dev/v1alpha1\",\"kind\":\"LocalAttestationService\",\"metadata\":{\"name\":\"bad\",\"namespace\":\"$NS\"},\"spec\":$spec}' | kubectl apply -f -"
  expect_output "$field"
}
invalid '{"mode":"simulated"}' 'spec.mode: Unsupported value: "simulated"'
invalid '{"hostPort":70000}' 'spec.hostPort'
invalid '{"simCpusvn":"xyz"}' 'spec.simCpusvn'
invalid '{"verification":{"allowSimulation":"yes"}}' 'spec.verification.allowSimulation'
invalid '{"verification":{"lasMrsigner":"1234"}}' 'spec.verification.lasMrsigner'
invalid '{"tolerations":[{"operator":"Sometimes"}]}' 'spec.tolerations'
k -n "$NS" get las bad >/dev/null 2>&1 && fail "an invalid resource was stored"
# What the schema cannot say, the status does (and nothing is applied): a second resource.
printf '%s' "{\"apiVersion\":\"las.dev/v1alpha1\",\"kind\":\"LocalAttestationService\",\"metadata\":{\"name\":\"odd\",\"namespace\":\"$NS\"},\"spec\":{\"mode\":\"sgx\",\"aesmd\":\"sidecar\",\"hostPort\":0}}" >"$TEST_DIR/odd.json"
kx kubectl apply -f - <"$TEST_DIR/odd.json" >/dev/null || fail "the odd resource was refused by the API server"
odd_reported() {
  k -n "$NS" get las odd -o json | jq -e '.status.conditions[] | select(.type == "Ready") |
      .reason == "InvalidSpec" and (.message | contains("spec.aesmdImage"))' >/dev/null
}
wait_for 60 "InvalidSpec in the status of the odd resource" odd_reported
k -n "$NS" get daemonset odd >/dev/null 2>&1 && fail "an invalid spec was applied"
k -n "$NS" delete las odd >/dev/null
pass "invalid resources refused by the API server naming the field; a cross-field error in the status"

# --- deleting the resource -------------------------------------------------------------------
k -n "$NS" delete las "$CR" >/dev/null
gone() { ! k -n "$NS" get "$1" "$2" >/dev/null 2>&1; }
wait_for 90 "the DaemonSet deleted with the resource" gone daemonset "$CR"
wait_for 30 "the ConfigMap deleted with the resource" gone configmap "$CR-platforms"
wait_for 30 "the ServiceAccount deleted with the resource" gone serviceaccount "$CR"
wait_for 90 "the LAS pods gone" sh -c "[ -z \"\$('$KT' --name '$KT_NAME' exec -- kubectl -n $NS get pods -l 'app.kubernetes.io/instance=$CR' -o name)\" ]"
pass "deleting the resource removed the DaemonSet, ConfigMap, ServiceAccount and pods"

cat "$TEST_DIR/sweep"
echo "operator: all checks passed"
