#!/usr/bin/env bash
# cluster.upgrade: a simulated microcode update through the chart. helm
# upgrade with a new sim.cpusvn gives every node a new platform ID; each LAS
# publishes a succession statement (old ID -> new ID) that `las
# platform-ids` and scripts/get-platform-ids verify and follow; helm
# rollback goes back to the release without the value and keeps the new IDs
# (the CPUSVN is stored on the node, as a real microcode update stays).
source "$(dirname "$0")/lib.sh"
need_cluster
ns=las-upgrade
rel=upg
CLEANUP_CMDS+=("kx helm uninstall $rel -n $ns --wait >/dev/null 2>&1; kx kubectl delete namespace $ns --wait=false >/dev/null 2>&1")

# With the chart's optional NetworkPolicy: the API server takes it (the
# testbed's bridge network plugin does not enforce it).
expect_rc 0 h install "$rel" "$CHART" -n "$ns" --create-namespace --set mode=sim --set networkPolicy.enabled=true
wait_ds "$ns" "$rel"
k -n "$ns" get networkpolicy "$rel-las" -o json | jq -e '.spec.policyTypes == ["Ingress", "Egress"]' >/dev/null ||
  fail "the NetworkPolicy was not created"
scrape_ids "$ns" "$rel" >/dev/null
expect_distinct_ids
cp "$TEST_DIR/ids" "$TEST_DIR/ids.old"

# The stored CPUSVN of every node (the default of a new simulated CPU, or
# what an earlier run left): raise its second byte.
cpusvn=$(k -n "$ns" logs "$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name | head -n 1)" |
  grep 'public key' | tail -n 1 | sed -n 's/.*cpusvn \([0-9a-f]\{32\}\).*/\1/p')
[ -n "$cpusvn" ] || fail "the platform identity log line names no cpusvn"
b=$((16#${cpusvn:2:2}))
[ "$b" -lt 255 ] || b=0
new=${cpusvn:0:2}$(printf '%02x' $((b + 1)))${cpusvn:4}
expect_rc 0 h upgrade "$rel" "$CHART" -n "$ns" --reuse-values --set "sim.cpusvn=$new"
wait_ds "$ns" "$rel"
scrape_ids "$ns" "$rel" >/dev/null
expect_distinct_ids
cp "$TEST_DIR/ids" "$TEST_DIR/ids.new"
for node in $(awk '{print $1}' "$TEST_DIR/ids.old"); do
  o=$(awk -v n="$node" '$1 == n {print $2}' "$TEST_DIR/ids.old")
  nw=$(awk -v n="$node" '$1 == n {print $2}' "$TEST_DIR/ids.new")
  [ "$o" != "$nw" ] || fail "node $node kept its ID $o across the simulated microcode update"
done
pass "helm upgrade --set sim.cpusvn=$new: every node has a new platform ID"

# Each LAS's evidence carries its succession, verified by las platform-ids
# (the node addresses, as NOTES.txt shows it).
k -n "$ns" get pods -l "$(las_selector "$rel")" -o jsonpath='{range .items[*]}{.status.hostIP}:18766{"\n"}{end}' >"$TEST_DIR/addrs"
[ "$(wc -l <"$TEST_DIR/addrs")" -eq "$NODES" ] || fail "not $NODES LAS addresses"
# Every simulated LAS has its own root CA: pin each node's as its evidence presents it.
roots=()
while read -r addr; do
  expect_rc 0 kx "$LAS_BIN" evidence --las "$addr" --out "$TEST_DIR/root-ev.json"
  roots+=(--sim-root "$("$LAS_BIN" inspect "$TEST_DIR/root-ev.json" | sed -n 's/^root_pin: *//p')")
done <"$TEST_DIR/addrs"
expect_rc 0 kx "$LAS_BIN" platform-ids --file "$TEST_DIR/addrs" --allow-simulation "${roots[@]}" --json
cp "$TEST_DIR/out" "$TEST_DIR/platform-ids.json"
jq -e . "$TEST_DIR/platform-ids.json" >/dev/null || fail "las platform-ids --json printed no JSON"
for node in $(awk '{print $1}' "$TEST_DIR/ids.old"); do
  o=$(awk -v n="$node" '$1 == n {print $2}' "$TEST_DIR/ids.old")
  nw=$(awk -v n="$node" '$1 == n {print $2}' "$TEST_DIR/ids.new")
  jq -e --arg o "$o" --arg n "$nw" '[.. | objects | select(.platform_id? == $n and .verified? == true)
      | .successions[] | select(.old_platform_id == $o and .new_platform_id == $n)] | length == 1' \
    "$TEST_DIR/platform-ids.json" >/dev/null ||
    { cat "$TEST_DIR/platform-ids.json" >&2; fail "las platform-ids does not show node $node's succession $o -> $nw"; }
done
expect_rc 0 kx "$LAS_BIN" platform-ids --file "$TEST_DIR/addrs" --allow-simulation "${roots[@]}"
line=$(grep '^platforms:' "$TEST_DIR/out")
[ "$(sorted_platforms "$line")" = "$(awk '{print $2}' "$TEST_DIR/ids.new" | sort)" ] ||
  fail "las platform-ids printed '$line', not the new IDs"
[ "$(grep -c 'succession' "$TEST_DIR/out")" -ge "$NODES" ] || { cat "$TEST_DIR/out" >&2; fail "las platform-ids names no succession per node"; }
expect_rc 0 kx "$LAS_SOURCE_DIR/scripts/get-platform-ids" -n "$ns" -r "$rel" --las-bin "$LAS_BIN" --trust-sim-roots -- --allow-simulation
[ "$(grep -c 'succession' "$TEST_DIR/out")" -ge "$NODES" ] || { cat "$TEST_DIR/out" >&2; fail "get-platform-ids names no succession per pod"; }
k -n "$ns" logs "$(k -n "$ns" get pods -l "$(las_selector "$rel")" -o name | head -n 1)" >"$TEST_DIR/las.log"
grep -qi 'succession' "$TEST_DIR/las.log" || fail "LAS did not log the change of its platform ID"
pass "each LAS publishes a succession statement (old -> new); las platform-ids and get-platform-ids verify and follow it"

# --- rollback ---------------------------------------------------------------
expect_rc 0 h rollback "$rel" 1 -n "$ns" --wait
wait_ds "$ns" "$rel"
expect_rc 0 h history "$rel" -n "$ns"
expect_output 'Rollback to 1'
k -n "$ns" get ds "$rel-las" -o json | jq -e '.spec.template.spec.containers[0].args | index("--sim-cpusvn") == null' >/dev/null ||
  fail "after the rollback the DaemonSet still passes --sim-cpusvn"
scrape_ids "$ns" "$rel" >/dev/null
diff "$TEST_DIR/ids.new" "$TEST_DIR/ids" >&2 || fail "the rollback changed the IDs (the simulated microcode update should stay)"
pass "helm rollback to revision 1: rolled out; the nodes keep their new IDs (the CPUSVN stays on the node)"
expect_rc 0 h uninstall "$rel" -n "$ns" --wait
echo "cluster.upgrade: all checks passed"
