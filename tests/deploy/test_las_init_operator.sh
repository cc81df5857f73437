#!/usr/bin/env bash
# scripts/las-init's operator path without a cluster: the options that belong
# to the Helm path are refused with a hint, and the --dry-run plan shows the
# CRD, the operator manifests rendered for the namespace and image asked for,
# and the LocalAttestationService built from the options (fail-closed
# defaults, pins, --set fields typed as the CRD wants). The real installation
# runs on the test cluster (tests/cluster/test_operator.sh).
source "$(dirname "$0")/lib.sh"
INIT=$LAS_SOURCE_DIR/scripts/las-init
command -v jq >/dev/null || skip "jq is missing (./scripts/install-deps)"

expect_rc 0 "$INIT" --help
expect_output -- '--no-operator'
expect_output -- '--allow-simulation'

bad=(
  "--values is for the Helm chart|--values /etc/hostname"
  "--chart and --chart-version are for the Helm chart|--chart other"
  "options after -- go to helm|-- --atomic"
  "is not a spec field|--set bad.key!=1"
  "--allow-simulation is for the operator|--no-operator --allow-simulation"
  "no crd.yaml and operator.yaml|--operator-manifests /nonexistent"
  "invalid image|--image a#b"
)
for case in "${bad[@]}"; do
  msg=${case%%|*}
  read -r -a args <<<"${case#*|}"
  expect_rc 2 "$INIT" --dry-run "${args[@]}"
  expect_output -- "$msg"
done
pass "the operator path refuses ${#bad[@]} kinds of bad arguments with exit 2"

# cr PLAN: the LocalAttestationService of a dry-run plan, as JSON.
cr() { sed -n '/^# 5\./,/^# 6\./p' "$TEST_DIR/out" | sed -n 's/^#    //p' | sed '/^(/d' | jq -c .; }

expect_rc 0 "$INIT" --dry-run
expect_output "^\+ kubectl apply -f $LAS_SOURCE_DIR/deploy/operator/crd.yaml$"
expect_output 'wait --for condition=established --timeout 60s crd/localattestationservices.las.dev'
expect_output 'rollout status deployment/las-operator --timeout 5m'
expect_output 'pod-security.kubernetes.io/enforce: privileged'
spec=$(cr)
# Fail closed: no mode chosen for the user, simulation not allowed.
[ "$(jq -c .spec <<<"$spec")" = '{"verification":{"allowSimulation":false}}' ] || fail "default spec: $spec"
[ "$(jq -r '.kind + " " + .apiVersion + " " + .metadata.name + " " + .metadata.namespace' <<<"$spec")" = \
  "LocalAttestationService las.dev/v1alpha1 las las" ] || fail "resource: $spec"

mrsigner=$(printf 'ab%.0s' $(seq 32))
expect_rc 0 "$INIT" --dry-run -n conf -r edge --image reg.example:5000/las:2 --mode sgx --plugin azure \
  --aesmd sidecar --las-mrsigner "$mrsigner" --secret-username bob --secret-token 'T0k3n!x' \
  --set aesmdImage=reg.example:5000/aesmd:1 --set sgxEpcMiB=64 --set nodeSelector.sgx=yes \
  --set verification.collateral.configMap=coll --context prod --timeout 90s
grep -qF 'T0k3n!x' "$TEST_DIR/out" && fail "the dry run shows the token"
spec=$(cr)
want='{"verification":{"allowSimulation":false,"lasMrsigner":"'$mrsigner'","collateral":{"configMap":"coll"}},"image":"reg.example:5000/las:2","mode":"sgx","sgxDevicePlugin":"azure","aesmd":"sidecar","imagePullSecrets":[{"name":"las-pull"}],"aesmdImage":"reg.example:5000/aesmd:1","sgxEpcMiB":64,"nodeSelector":{"sgx":"yes"}}'
[ "$(jq -cS .spec <<<"$spec")" = "$(jq -cS . <<<"$want")" ] || fail "spec: $(jq -c .spec <<<"$spec")"
[ "$(jq -r .metadata.namespace <<<"$spec")" = conf ] || fail "namespace of the resource: $spec"
[ "$(jq -r .metadata.name <<<"$spec")" = edge ] || fail "name of the resource: $spec"
# The operator's manifests: every namespace and both image references replaced.
grep -E '^#  +namespace: ' "$TEST_DIR/out" | grep -v 'namespace: conf$' && fail "a namespace was not replaced"
[ "$(grep -cE '^#  +(image|value): reg.example:5000/las:2$' "$TEST_DIR/out")" = 2 ] ||
  fail "operator image not replaced: $(grep -E 'image:|value:' "$TEST_DIR/out")"
expect_output -- '--context prod -n conf rollout status deployment/las-operator --timeout 90s'
expect_output 'image pull secret las-pull for reg.example:5000 \(user bob'
pass "--dry-run: CRD, operator for namespace conf and the given image, resource from the options"

# Mode sim asks for simulation: it is allowed, and said loudly.
expect_rc 0 "$INIT" --dry-run --mode sim --set simCpusvn=11111111111111111111111111111111 --set hostPort=0
spec=$(cr)
[ "$(jq -c .spec <<<"$spec")" = \
  '{"verification":{"allowSimulation":true},"mode":"sim","simCpusvn":"11111111111111111111111111111111","hostPort":0}' ] ||
  fail "sim spec: $spec"
expect_output 'NO SECURITY'
expect_rc 0 "$INIT" --dry-run --allow-simulation
[ "$(jq -c .spec <<<"$(cr)")" = '{"verification":{"allowSimulation":true}}' ] || fail "--allow-simulation: $(cr)"
pass "--mode sim and --allow-simulation allow simulated evidence; nothing else does"
echo "las-init (operator path): all checks passed"
