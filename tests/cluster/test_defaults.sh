#!/usr/bin/env bash
# cluster.defaults: the chart's defaults fail closed on a cluster without
# SGX (#17.1). helm install with no values at all: NOTES.txt says what to
# set; the pods wait for the Intel device plugin's resources (Pending, the
# scheduler naming sgx.intel.com). Then the nodes advertise those resources,
# as the plugin does on SGX nodes (a node status patch, the documented way to
# advertise extended resources), so the pods start: LAS in mode sgx, outside
# an enclave, exits saying "not running inside an SGX enclave ... --mode sim"
# in the pod log. At no point does a LAS pod become Ready, and none runs the
# simulated CPU.
source "$(dirname "$0")/lib.sh"
need_cluster
ns=las-defaults
rel=def
sgx_resources=(sgx.intel.com/enclave sgx.intel.com/provision sgx.intel.com/epc)
unadvertise() {
  local node r
  for node in $(kx kubectl get nodes -o name); do
    for r in "${sgx_resources[@]}"; do
      kx kubectl patch "$node" --subresource=status --type=json \
        -p "[{\"op\": \"remove\", \"path\": \"/status/capacity/${r/\//~1}\"}]" >/dev/null 2>&1 || true
    done
  done
}
CLEANUP_CMDS+=("unadvertise; kx helm uninstall $rel -n $ns --wait >/dev/null 2>&1; kx kubectl delete namespace $ns --wait=false >/dev/null 2>&1")

# never_ready: no LAS pod of the release is Ready, and none logs the simulated CPU.
never_ready() {
  local ready
  ready=$(k -n "$ns" get pods -l "$(las_selector "$rel")" \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
  [ "$ready" -eq 0 ] || fail "$ready LAS pod(s) became Ready with the chart's defaults on a cluster without SGX"
}

expect_rc 0 h install "$rel" "$CHART" -n "$ns" --create-namespace
expect_output 'mode sgx'
expect_output 'Without them no LAS pod becomes Ready'
expect_output 'set mode=sim'
for i in $(seq 1 60); do
  pending=$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o json |
    jq '[.items[] | select(.status.phase == "Pending" and any(.status.conditions[]?;
        .type == "PodScheduled" and .status == "False" and (.message | test("sgx.intel.com"))))] | length')
  [ "$pending" -eq "$NODES" ] && break
  sleep 1
done
[ "$pending" -eq "$NODES" ] || { k -n "$ns" get pods -o wide >&2; fail "the LAS pods are not Pending for lack of sgx.intel.com resources"; }
never_ready
pass "defaults without SGX: NOTES say to set mode=sim; all $NODES pods Pending (Insufficient sgx.intel.com/...)"

# The nodes advertise the Intel SGX plugin's resources: LAS starts in mode sgx.
for node in $(k get nodes -o name); do
  for r in "${sgx_resources[@]}"; do
    v=10
    [ "$r" = sgx.intel.com/epc ] && v=4Gi
    k patch "$node" --subresource=status --type=json \
      -p "[{\"op\": \"add\", \"path\": \"/status/capacity/${r/\//~1}\", \"value\": \"$v\"}]" >/dev/null ||
      fail "cannot advertise $r on $node"
  done
done
for i in $(seq 1 120); do
  failed=$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o json |
    jq '[.items[] | select(any(.status.containerStatuses[]?; .name == "las" and
        ((.lastState.terminated.exitCode // .state.terminated.exitCode // 0) != 0)))] | length')
  never_ready
  [ "$failed" -eq "$NODES" ] && break
  sleep 1
done
[ "$failed" -eq "$NODES" ] || { k -n "$ns" get pods -o wide >&2; k -n "$ns" describe pods >&2; fail "LAS did not start and exit on every node"; }
# The container restarts in a loop (back-off); while kubelet replaces it, the
# log of the one that exited may briefly be unavailable ("unable to retrieve
# container logs"), so read it again until it is there, for at most 60 s.
for pod in $(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name); do
  for i in $(seq 1 60); do
    { k -n "$ns" logs "$pod" -c las --previous 2>/dev/null || k -n "$ns" logs "$pod" -c las 2>&1; } >"$TEST_DIR/log" || true
    grep -q 'mode sgx: not running inside an SGX enclave' "$TEST_DIR/log" && break
    sleep 1
  done
  grep -q 'mode sgx: not running inside an SGX enclave' "$TEST_DIR/log" || { cat "$TEST_DIR/log" >&2; fail "$pod: the log does not say that there is no enclave"; }
  grep -q -- '--mode sim' "$TEST_DIR/log" || fail "$pod: the log does not say how to ask for simulation"
  if grep -qi 'simulated' "$TEST_DIR/log"; then cat "$TEST_DIR/log" >&2; fail "$pod ran the simulated CPU"; fi
done
sleep 5
never_ready
pass "with SGX resources but no enclave: LAS exits on every node, its log says 'not running inside an SGX enclave ... --mode sim'; no pod Ready, no simulation"
unadvertise
expect_rc 0 h uninstall "$rel" -n "$ns" --wait
echo "cluster.defaults: all checks passed"
