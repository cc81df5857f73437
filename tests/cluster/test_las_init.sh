#!/usr/bin/env bash
# cluster.las_init: scripts/las-init for real on the test cluster, with the
# Helm chart alone (--no-operator). --dry-run
# touches nothing (no namespace, secret or release appears); then it creates
# the namespace and the image pull secret, installs the chart, waits for the
# rollout and prints the verified platform IDs, the same as the logs give;
# run again it upgrades in place.
source "$(dirname "$0")/lib.sh"
need_cluster
ns=las-init-test
rel=lasinit
CLEANUP_CMDS+=("kx helm uninstall $rel -n $ns --wait >/dev/null 2>&1; kx kubectl delete namespace $ns --wait=false >/dev/null 2>&1")
# The Helm path (--no-operator); the operator's path is tested with the operator.
INIT=(kx env LAS_SECRET_TOKEN=not-a-real-token "$LAS_SOURCE_DIR/scripts/las-init" --no-operator -n "$ns" -r "$rel" --mode sim
  --secret-username ci-user --registry registry.example --timeout 3m)

expect_rc 0 "${INIT[@]}" --dry-run
expect_output 'nothing is changed'
if grep -q 'not-a-real-token' "$TEST_DIR/out" "$TEST_DIR/err"; then fail "--dry-run printed the token"; fi
expect_rc 1 k get namespace "$ns"
[ -z "$(h list -A -q)" ] || fail "--dry-run left a release: $(h list -A -q)"
pass "las-init --dry-run: nothing created, token not shown"

expect_rc 0 "${INIT[@]}"
cp "$TEST_DIR/out" "$TEST_DIR/init.out"
expect_output 'las-init: platform IDs'
k get namespace "$ns" >/dev/null || fail "las-init did not create namespace $ns"
[ "$(k -n "$ns" get secret las-pull -o jsonpath='{.type}')" = kubernetes.io/dockerconfigjson ] ||
  fail "las-init did not create the pull secret las-pull"
k -n "$ns" get secret las-pull -o jsonpath='{.data.\.dockerconfigjson}' | base64 -d |
  jq -e '.auths["registry.example"].username == "ci-user" and .auths["registry.example"].password == "not-a-real-token"' >/dev/null ||
  fail "the pull secret does not hold the registry credentials"
k -n "$ns" get ds -l "$(las_selector "$rel")" -o json |
  jq -e '.items[0].spec.template.spec.imagePullSecrets == [{"name": "las-pull"}]' >/dev/null || fail "the DaemonSet does not use the pull secret"
wait_ds "$ns" "$rel"
printed=$(grep '^platforms:' "$TEST_DIR/init.out") || fail "las-init printed no platforms line"
scraped=$(scrape_ids "$ns" "$rel")
expect_distinct_ids
[ "$(sorted_platforms "$printed")" = "$(sorted_platforms "$scraped")" ] ||
  fail "las-init printed '$printed', the logs give '$scraped'"
if grep -q 'UNVERIFIED' "$TEST_DIR/init.out"; then fail "las-init printed unverified IDs"; fi
pass "las-init: namespace, pull secret, rollout, and the verified IDs $printed"

expect_rc 0 "${INIT[@]}"
[ "$(h history "$rel" -n "$ns" -o json | jq length)" -eq 2 ] || fail "a second las-init did not upgrade the release in place"
pass "las-init again: helm upgrade in place"
expect_rc 0 h uninstall "$rel" -n "$ns" --wait
echo "cluster.las_init: all checks passed"
