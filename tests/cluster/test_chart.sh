#!/usr/bin/env bash
# cluster.chart: the chart as shipped (deploy/helm/las, no patched copy, mode
# sim asked for) on the real test cluster. helm install gives a DaemonSet
# Ready on every node, shown by helm status, helm get manifest and kubectl
# get pods; the log-scraping method prints one distinct 64-hex platform ID
# per node and scripts/get-platform-ids prints the same IDs, verified; helm
# test passes; an application pod on each node attests to its own node's LAS
# at status.hostIP:18766 (LAS_ADDR, and SCONE_LAS_ADDR alone, from the
# downward API) and its quote verifies against that node's ID only;
# deleting the LAS pods and a rollout restart keep every node's ID; helm
# uninstall and a reinstall give the same IDs (the state stays on the nodes).
source "$(dirname "$0")/lib.sh"
need_cluster
ns=las-chart
rel=las
CLEANUP_CMDS+=("kx helm uninstall $rel -n $ns --wait >/dev/null 2>&1; kx kubectl delete namespace $ns --wait=false >/dev/null 2>&1")

# --- install -------------------------------------------------------------
expect_rc 0 h install "$rel" "$CHART" -n "$ns" --create-namespace --set mode=sim
expect_output 'STATUS: deployed'
expect_output 'WARNING: mode sim'
wait_ds "$ns" "$rel"
expect_rc 0 h status "$rel" -n "$ns"
expect_output 'STATUS: deployed'
expect_rc 0 h get manifest "$rel" -n "$ns"
expect_output 'kind: DaemonSet'
expect_output 'image: "localhost/las:'
k -n "$ns" get pods -o wide >"$TEST_DIR/pods"
[ "$(grep -c '^las-' "$TEST_DIR/pods")" -eq "$NODES" ] || { cat "$TEST_DIR/pods" >&2; fail "kubectl get pods | grep las: not $NODES pods"; }
[ "$(grep '^las-' "$TEST_DIR/pods" | grep -c ' Running ')" -eq "$NODES" ] || fail "not every LAS pod is Running"
[ "$(grep '^las-' "$TEST_DIR/pods" | awk '{print $2}' | sort -u)" = 1/1 ] || fail "not every LAS pod is 1/1 Ready"
pass "helm install: DaemonSet Ready on all $NODES nodes; helm status, helm get manifest, kubectl get pods | grep las"

# --- platform IDs ----------------------------------------------------------
scraped=$(scrape_ids "$ns" "$rel")
expect_distinct_ids
echo "$scraped"
expect_rc 0 kx "$LAS_SOURCE_DIR/scripts/get-platform-ids" -n "$ns" -r "$rel" --las-bin "$LAS_BIN" --trust-sim-roots -- --allow-simulation
verified=$(grep '^platforms:' "$TEST_DIR/out")
[ "$(sorted_platforms "$verified")" = "$(sorted_platforms "$scraped")" ] ||
  fail "get-platform-ids printed '$verified', the logs give '$scraped'"
pass "log scraping: $scraped; scripts/get-platform-ids verified the same IDs"
cp "$TEST_DIR/ids" "$TEST_DIR/ids.installed"

# --- helm test ---------------------------------------------------------------
expect_rc 0 h test "$rel" -n "$ns" --logs
expect_output 'Phase: *Succeeded'
grep -qE "$(awk '{print $2}' "$TEST_DIR/ids" | paste -sd'|')" "$TEST_DIR/out" ||
  fail "helm test's pod printed no ID of a node"
pass "helm test passed (its pod read a node's ID through the node's IP)"

# --- applications attest to their own node's LAS -------------------------------
# One pod per node: two init containers (the LAS image, acting as a
# simulated enclave on the node's simulated CPU: the node's /var/lib/las)
# attest, one with LAS_ADDR, one with only SCONE_LAS_ADDR, both
# status.hostIP:18766 from the downward API; busybox keeps the quotes.
app_pod() {
  local node=$1 pod=$2
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $pod, namespace: $ns, labels: {app: attest-test}}
spec:
  restartPolicy: Never
  nodeSelector: {kubernetes.io/hostname: $node}
  automountServiceAccountToken: false
  securityContext: {runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true}
  initContainers:
$(for var in LAS_ADDR SCONE_LAS_ADDR; do cat <<C
  - name: attest-$(tr 'A-Z_' 'a-z-' <<<"$var")
    image: $(k -n "$ns" get ds -l "$(las_selector "$rel")" -o jsonpath='{.items[0].spec.template.spec.containers[0].image}')
    imagePullPolicy: IfNotPresent
    command: [/usr/bin/las, attest, --state-dir, /var/lib/las, --report-data, "00112233", --out, /quotes/$var.bin]
    env:
    - name: NODE_IP
      valueFrom: {fieldRef: {fieldPath: status.hostIP}}
    - {name: $var, value: "\$(NODE_IP):18766"}
    volumeMounts: [{name: state, mountPath: /var/lib/las}, {name: quotes, mountPath: /quotes}]
C
done)
  containers:
  - name: app
    image: docker.io/library/busybox:1.36
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "sleep 3600"]
    volumeMounts: [{name: quotes, mountPath: /quotes}]
  volumes:
  - {name: state, hostPath: {path: /var/lib/las, type: Directory}}
  - {name: quotes, emptyDir: {}}
YAML
}
nodes=$(awk '{print $1}' "$TEST_DIR/ids")
n=0
for node in $nodes; do
  n=$((n + 1))
  app_pod "$node" "app-$n" >"$TEST_DIR/app-$n.yaml"
  k apply -f "$TEST_DIR/app-$n.yaml" >/dev/null || fail "cannot create the application pod on $node"
done
k -n "$ns" wait --for=condition=Ready pod -l app=attest-test --timeout 120s >"$TEST_DIR/wait" 2>&1 || {
  k -n "$ns" describe pods -l app=attest-test >&2
  for c in attest-las-addr attest-scone-las-addr; do k -n "$ns" logs app-1 -c $c >&2 || true; done
  fail "the application pods did not become Ready (their attestations failed)"
}
n=0
for node in $nodes; do
  n=$((n + 1))
  own=$(id_of "$node")
  others=$(awk -v n="$node" '$1 != n {print $2}' "$TEST_DIR/ids")
  for var in LAS_ADDR SCONE_LAS_ADDR; do
    q=$TEST_DIR/app-$n-$var.bin
    k -n "$ns" exec "app-$n" -c app -- cat "/quotes/$var.bin" >"$q" || fail "cannot read the quote of app-$n"
    [ -s "$q" ] || fail "app-$n wrote an empty quote"
    expect_rc 0 "$LAS_BIN" verify "$q" --allow-simulation --platform "$own" --report-data 00112233
    for other in $others; do
      expect_rc 1 "$LAS_BIN" verify "$q" --allow-simulation --platform "$other"
    done
  done
done
k -n "$ns" delete pod -l app=attest-test --wait=false >/dev/null
pass "an application on each node attested to its own node's LAS (status.hostIP:18766 via LAS_ADDR and SCONE_LAS_ADDR); each quote verifies against that node's ID and is refused against the others"

# --- restarts keep the IDs -----------------------------------------------------
before=$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name | sort)
k -n "$ns" delete pods -l "$(las_selector "$rel")" --wait=true >/dev/null || fail "kubectl delete pods failed"
wait_ds "$ns" "$rel"
after=$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name | sort)
[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ] || fail "the LAS pods were not replaced"
scrape_ids "$ns" "$rel" >/dev/null
diff "$TEST_DIR/ids.installed" "$TEST_DIR/ids" >&2 || fail "deleting the LAS pods changed platform IDs"
pass "deleting the LAS pods: new pods, the same ID on every node"

expect_rc 0 k -n "$ns" rollout restart daemonset/"$rel"
wait_ds "$ns" "$rel"
[ -z "$(comm -12 <(echo "$after") <(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name | sort))" ] ||
  fail "the rollout restart did not replace the pods"
scrape_ids "$ns" "$rel" >/dev/null
diff "$TEST_DIR/ids.installed" "$TEST_DIR/ids" >&2 || fail "a rollout restart changed platform IDs"
pass "kubectl rollout restart: the same ID on every node"

# --- uninstall and reinstall -----------------------------------------------------
expect_rc 0 h uninstall "$rel" -n "$ns" --wait
for i in $(seq 1 60); do
  [ -z "$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name)" ] && break
  sleep 1
done
[ -z "$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name)" ] || fail "LAS pods are left after helm uninstall"
expect_rc 0 h install "$rel" "$CHART" -n "$ns" --set mode=sim
wait_ds "$ns" "$rel"
scrape_ids "$ns" "$rel" >/dev/null
diff "$TEST_DIR/ids.installed" "$TEST_DIR/ids" >&2 || fail "helm uninstall and install changed platform IDs"
pass "helm uninstall, helm install: the same IDs (the state stays on the nodes)"
expect_rc 0 h uninstall "$rel" -n "$ns" --wait
echo "cluster.chart: all checks passed"
