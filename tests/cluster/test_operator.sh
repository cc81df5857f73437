#!/usr/bin/env bash
# The LAS operator on the real test cluster (docs/operator.md): installed by
# scripts/las-init's operator path from the image that the testbed loaded,
# two replicas electing a leader, real LAS pods on every node. Checks, in
# order:
#   - creating a resource runs LAS on every node through a DaemonSet that the
#     operator applied server-side, owned by the resource; the status has the
#     observedGeneration, the three conditions and every node's verified ID,
#     which is the ID of that node's own GET /v1/platform evidence (the
#     operator may not read pod logs at all), and the same IDs as the pods'
#     log line and scripts/get-platform-ids; status.platforms is sorted; the
#     <name>-platforms ConfigMap holds them;
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
#   - deleting the resource removes the DaemonSet, ServiceAccount and
#     ConfigMap; the state stays on the nodes: a new resource gets the same IDs.
# It runs on the cluster suite's instance (tests/cluster/up.sh), after the
# chart's tests have uninstalled their releases.
source "$(dirname "$0")/lib.sh"
: "${LAS_BIN:?LAS_BIN must point to the las binary}"
need_cluster
[ "$NODES" -ge 2 ] || fail "the test cluster has $NODES nodes"
NS=lasop
CR=las

# cr_json: the resource as JSON.
cr_json() { k -n "$NS" get las "$CR" -o json; }
# wait_for SECONDS WHAT CMD...: until CMD succeeds, else fail naming WHAT
# (SECONDS of wall time: each try goes through kube-testbed exec, which
# takes seconds of its own on a loaded machine).
wait_for() {
  local secs=$1 what=$2 end
  shift 2
  end=$((SECONDS + secs))
  while [ "$SECONDS" -lt "$end" ]; do
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
# status.platforms as stored: sorted, each ID once (not only after our sort).
jq -e '.status.platforms == (.status.platforms | unique)' "$TEST_DIR/cr.json" >/dev/null ||
  fail "status.platforms is not sorted or has duplicates: $(jq -c .status.platforms "$TEST_DIR/cr.json")"
jq -e '.status.observedGeneration == .metadata.generation and
    ([.status.conditions[] | select(.observedGeneration == $gen and (.reason | length) > 0 and (.message | length) > 0)
      | "\(.type)=\(.status)/\(.reason)"] | sort) ==
    ["Degraded=False/AsExpected", "Progressing=False/RolloutComplete", "Ready=True/AllNodesVerified"]' \
  --argjson gen "$(jq .metadata.generation "$TEST_DIR/cr.json")" "$TEST_DIR/cr.json" >/dev/null ||
  fail "status: observedGeneration $(jq .status.observedGeneration "$TEST_DIR/cr.json") of $(jq .metadata.generation "$TEST_DIR/cr.json"), conditions $(jq -c .status.conditions "$TEST_DIR/cr.json")"
pass "status: observedGeneration, Ready/Progressing/Degraded with reasons and messages, platforms sorted"

# Each node's ID is the one of its own LAS's evidence (GET /v1/platform, fetched
# here inside that node's pod), and that evidence verifies.
k -n "$NS" get pods -l "$(las_selector "$CR")" \
  -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName}{"\n"}{end}' >"$TEST_DIR/pods"
while read -r pod node; do
  k -n "$NS" exec "$pod" -- las evidence --las 127.0.0.1:18766 >"$TEST_DIR/evidence.$node.json" </dev/null ||
    fail "las evidence in pod $pod failed"
  ev_id=$("$LAS_BIN" inspect "$TEST_DIR/evidence.$node.json" | sed -n 's/^platform_id: *//p')
  [ "$(jq -r --arg n "$node" '.status.nodes[] | select(.name == $n) | .platformID' "$TEST_DIR/cr.json")" = "$ev_id" ] ||
    fail "node $node: the status says $(jq -c --arg n "$node" '.status.nodes[] | select(.name == $n)' "$TEST_DIR/cr.json"), its evidence $ev_id"
  pin=$("$LAS_BIN" inspect "$TEST_DIR/evidence.$node.json" | sed -n 's/^root_pin: *//p')
  "$LAS_BIN" verify-evidence "$TEST_DIR/evidence.$node.json" --allow-simulation --sim-root "$pin" >"$TEST_DIR/verify.$node" 2>&1 ||
    { cat "$TEST_DIR/verify.$node" >&2; fail "node $node: its evidence does not verify"; }
done <"$TEST_DIR/pods"
[ "$(wc -l <"$TEST_DIR/pods")" -eq "$NODES" ] || fail "not $NODES LAS pods: $(cat "$TEST_DIR/pods")"
# Logs are not a source at all: the operator's service account cannot read them
# (the same question answered yes for what it does use, so the check can fail).
sa=system:serviceaccount:$NS:las-operator
expect_rc 0 k -n "$NS" auth can-i list pods --as "$sa"
expect_rc 1 k -n "$NS" auth can-i get pods --subresource=log --as "$sa"
expect_output '^no'
pass "every node's platformID is the ID of its own GET /v1/platform evidence, which verifies; the operator cannot read pod logs"

# The objects the operator made: applied server-side by its field manager, owned by the resource.
uid=$(jq -r .metadata.uid "$TEST_DIR/cr.json")
for obj in daemonset/$CR serviceaccount/$CR configmap/$CR-platforms; do
  k -n "$NS" get "$obj" -o json --show-managed-fields >"$TEST_DIR/obj.json"
  jq -e --arg uid "$uid" --arg cr "$CR" '.metadata.ownerReferences == [{"apiVersion": "las.dev/v1alpha1",
      "kind": "LocalAttestationService", "name": $cr, "uid": $uid, "controller": true}]' "$TEST_DIR/obj.json" >/dev/null ||
    fail "$obj: ownerReferences $(jq -c .metadata.ownerReferences "$TEST_DIR/obj.json"), expected the resource $CR ($uid)"
  jq -e '.metadata.managedFields | any(.manager == "las-operator" and .operation == "Apply")' "$TEST_DIR/obj.json" >/dev/null ||
    fail "$obj was not applied server-side by the field manager las-operator: $(jq -c '[.metadata.managedFields[] | {manager, operation}]' "$TEST_DIR/obj.json")"
done
pass "las-init (operator): LAS on $NODES nodes, status.platforms = log lines = get-platform-ids = ConfigMap; DaemonSet, ServiceAccount and ConfigMap applied server-side and owned by the resource"

# --- one full sweep, measured ----------------------------------------------------
first_leader=$(leader)
[ -n "$first_leader" ] || fail "nobody holds the Lease"
# A full sweep (every resync, 60 s) fetches every node's evidence again; unchanged evidence under
# unchanged settings is not verified again, so a later full sweep must verify none.
unchanged="sweep $CR: $NODES nodes, $NODES fetched in [0-9.]+ ms, 0 verified"
wait_for 150 "a full sweep that fetched every node and verified none (evidence unchanged)" sh -c \
  "'$KT' --name '$KT_NAME' exec -- kubectl -n $NS logs $first_leader | grep -Eq '$unchanged'"
sweep=$(k -n "$NS" logs "$first_leader" | grep -E "$unchanged" | tail -n 1)
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
pass "a full sweep fetched every node again and verified none: evidence is verified again only when it changes; the sweep measured (figures above)"

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
# The CPUSVN stored on the nodes (the default of a new simulated CPU, or what
# an earlier test or run left there), its second byte raised: an update.
cpusvn=$(k -n "$NS" logs "$(k -n "$NS" get pods -l "$(las_selector "$CR")" -o name | head -n 1)" |
  grep 'public key' | tail -n 1 | sed -n 's/.*cpusvn \([0-9a-f]\{32\}\).*/\1/p')
[ -n "$cpusvn" ] || fail "the platform identity log line names no cpusvn"
b=$((16#${cpusvn:2:2}))
[ "$b" -lt 255 ] || b=0
cpusvn=${cpusvn:0:2}$(printf '%02x' $((b + 1)))${cpusvn:4}
k -n "$NS" patch las "$CR" --type merge -p "{\"spec\":{\"simCpusvn\":\"$cpusvn\"}}" >/dev/null
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
pass "sim CPUSVN change to $cpusvn: new IDs, PlatformIDChanged Events with verified successions, ConfigMap updated"

# --- the leader killed during a reconcile --------------------------------------------------
first=$(leader)
others=$(k -n "$NS" get pods -l app.kubernetes.io/name=las-operator -o jsonpath='{.items[*].metadata.name}')
[[ " $others " == *" $first "* ]] || fail "the Lease holder '$first' is not an operator pod ($others)"
gen=$(generation)
# The leader's process, seen from the host: the las-operator whose identity is
# that pod's name, in a node network namespace of this instance.
leader_pid() {
  local p
  for p in $(pgrep -x las-operator); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "LAS_OPERATOR_IDENTITY=$1" || continue
    ip netns identify "$p" 2>/dev/null | grep -qxE "kt-$KT_NAME-n[0-9]+" || continue
    echo "$p"
    return 0
  done
  return 1
}
pid=$(leader_pid "$first") || fail "no las-operator process of pod $first on the host"
transitions=$(k -n "$NS" get lease las-operator -o jsonpath='{.spec.leaseTransitions}')
k -n "$NS" patch las "$CR" --type merge -p '{"spec":{"logLevel":"info"}}' >/dev/null
# No graceful stop (deleting the pod would send SIGTERM, and the Lease would
# be released): frozen, as a hung or cut-off leader is, then killed. Its Lease
# must expire before the other replica may take it.
kill -STOP "$pid"
CLEANUP_CMDS+=("kill -KILL $pid 2>/dev/null")
t0=$SECONDS
new_leader() { local l; l=$(leader); [ -n "$l" ] && [ "$l" != "$first" ]; }
wait_for 60 "another replica takes the Lease" new_leader
takeover=$((SECONDS - t0))
kill -KILL "$pid"
second=$(leader)
[ "$takeover" -ge 10 ] || fail "$second took the Lease $takeover s after the leader stopped, before it could expire (15 s)"
wait_for 180 "the new leader reconciles generation $((gen + 1))" ready_now
[ "$(observed)" -gt "$gen" ] || fail "the spec change made before the kill was not reconciled"
[ "$(k -n "$NS" get lease las-operator -o jsonpath='{.spec.leaseTransitions}')" -gt "$transitions" ] ||
  fail "leaseTransitions did not move from $transitions"
pass "leader $first frozen and killed: $second took the expired Lease after $takeover s and reconciled the change"

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
  cr_json | jq -e --arg why "$1" --argjson n "$NODES" '.metadata.generation == .status.observedGeneration and
      (.status.platforms | length) == 0 and (.status.nodes | length) == $n and
      all(.status.nodes[]; (.verified | not) and (.reason | contains($why)) and
        (.platformID | test("^[0-9A-F]{64}$")))' >/dev/null
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
cr_json | jq '{apiVersion, kind, metadata: {name: .metadata.name, namespace: .metadata.namespace}, spec}' >"$TEST_DIR/cr.again.json"
k -n "$NS" delete las "$CR" >/dev/null
gone() { ! k -n "$NS" get "$1" "$2" >/dev/null 2>&1; }
wait_for 90 "the DaemonSet deleted with the resource" gone daemonset "$CR"
wait_for 30 "the ConfigMap deleted with the resource" gone configmap "$CR-platforms"
wait_for 30 "the ServiceAccount deleted with the resource" gone serviceaccount "$CR"
wait_for 90 "the LAS pods gone" sh -c "[ -z \"\$('$KT' --name '$KT_NAME' exec -- kubectl -n $NS get pods -l 'app.kubernetes.io/instance=$CR' -o name)\" ]"
pass "deleting the resource removed the DaemonSet, ConfigMap, ServiceAccount and pods"

# The state stays on the nodes: the same resource again gets the same IDs.
kx kubectl apply -f - <"$TEST_DIR/cr.again.json" >/dev/null || fail "the resource could not be created again"
wait_for 240 "the new resource Ready" ready_now
[ "$(status_platforms)" = "$new_ids" ] || fail "a new resource got other IDs: $(status_platforms), before $new_ids"
k -n "$NS" delete las "$CR" >/dev/null
wait_for 90 "the DaemonSet deleted with the resource" gone daemonset "$CR"
pass "the node state stayed: a new resource gets the same IDs"

cat "$TEST_DIR/sweep"
echo "operator: all checks passed"
