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
expect_output -- '--collateral FILE'
expect_output -- '--allow-unknown-tcb'

bad=(
  "--values is for the Helm chart|--values /etc/hostname"
  "--chart and --chart-version are for the Helm chart|--chart other"
  "options after -- go to helm|-- --atomic"
  "is not a spec field|--set bad.key!=1"
  "--allow-simulation is for the operator|--no-operator --allow-simulation"
  "no crd.yaml and operator.yaml|--operator-manifests /nonexistent"
  "invalid image|--image a#b"
  "give --collateral or --allow-unknown-tcb, not both|--collateral /etc/hostname --allow-unknown-tcb"
  "--collateral / is a directory|--collateral /"
  "cannot read --collateral /nonexistent|--collateral /nonexistent"
  "--collateral needs a value|--collateral"
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

# --- collateral and allowUnknownTcb reach spec.verification ------------------
# Without them mode sgx verifies no node (hardware evidence has no TCB status).
printf '{"tcbInfo": {"fmspc": "00906ED50000"}, "note": "a \\"quoted\\" line\\n"}\n' >"$TEST_DIR/coll.json"
expect_rc 0 "$INIT" --dry-run -n conf -r edge --mode sgx --las-mrsigner "$mrsigner" --collateral "$TEST_DIR/coll.json"
[ "$(jq -c .spec.verification <<<"$(cr)")" = \
  '{"allowSimulation":false,"lasMrsigner":"'$mrsigner'","collateral":{"configMap":"edge-collateral","key":"collateral.json"}}' ] ||
  fail "--collateral: $(jq -c .spec.verification <<<"$(cr)")"
cm=$(sed -n '/^# 4b\./,/^# 5\./p' "$TEST_DIR/out" | sed -n 's/^#    //p' | jq -c .) || fail "no ConfigMap in the plan"
[ "$(jq -r '.kind + " " + .metadata.name + " " + .metadata.namespace + " " + (.data | keys | join(","))' <<<"$cm")" = \
  "ConfigMap edge-collateral conf collateral.json" ] || fail "collateral ConfigMap in the plan: $cm"
expect_rc 0 "$INIT" --dry-run --allow-unknown-tcb
[ "$(jq -c .spec <<<"$(cr)")" = '{"verification":{"allowSimulation":false,"allowUnknownTcb":true}}' ] ||
  fail "--allow-unknown-tcb: $(cr)"
expect_output 'TCB status unknown'
expect_rc 0 "$INIT" --dry-run --set verification.allowUnknownTcb=true
[ "$(jq -c .spec.verification.allowUnknownTcb <<<"$(cr)")" = true ] || fail "--set verification.allowUnknownTcb=true is no boolean"

# For real against a stub kubectl: the ConfigMap holds the file byte for
# byte and is applied before the resource that names it.
mkdir -p "$TEST_DIR/bin"
cat >"$TEST_DIR/bin/kubectl" <<EOF
#!/usr/bin/env bash
echo "kubectl \$*" >>"$TEST_DIR/calls"
case " \$* " in
*" apply -f - "*) { echo ---; cat; } >>"$TEST_DIR/applied" ;;
*" apply -f "* | *" wait "* | *" rollout status "*) ;;
*" get las "*) echo '{"metadata":{"generation":1},"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True"}],"nodes":[{"name":"n1","platformID":"AB","verified":true}],"platforms":["AB"]}}' ;;
*) echo "stub kubectl: unexpected: \$*" >&2; exit 9 ;;
esac
EOF
chmod +x "$TEST_DIR/bin/kubectl"
: >"$TEST_DIR/calls"
: >"$TEST_DIR/applied"
PATH=$TEST_DIR/bin:$PATH expect_rc 0 "$INIT" -n conf -r edge --mode sgx --las-mrsigner "$mrsigner" \
  --collateral "$TEST_DIR/coll.json"
expect_output '^platforms: \[AB\]$'
yq -c 'select(.kind == "ConfigMap")' "$TEST_DIR/applied" >"$TEST_DIR/cm.json" || fail "applied ConfigMap is not YAML/JSON"
jq -j '.data["collateral.json"]' "$TEST_DIR/cm.json" | cmp -s - "$TEST_DIR/coll.json" ||
  fail "the ConfigMap does not hold the collateral file: $(cat "$TEST_DIR/cm.json")"
applied_kinds=$(yq -r '.kind' "$TEST_DIR/applied" | grep -v '^---$' | tr '\n' ' ')
[[ $applied_kinds == *"ConfigMap LocalAttestationService "* ]] ||
  fail "the ConfigMap is not applied just before the resource: $applied_kinds"
[ "$(yq -c 'select(.kind == "LocalAttestationService") | .spec.verification.collateral' "$TEST_DIR/applied")" = \
  '{"configMap":"edge-collateral","key":"collateral.json"}' ] || fail "applied resource: $(cat "$TEST_DIR/applied")"
pass "--collateral FILE (a ConfigMap the resource names) and --allow-unknown-tcb reach spec.verification"
echo "las-init (operator path): all checks passed"
