#!/usr/bin/env bash
# scripts/las-init without a cluster: --help, every kind of bad argument
# (exit 2, with a message), the --dry-run plan, and a full run against stub
# `kubectl` and `helm` commands that record their arguments, so the order of
# the steps, the helm values, the pull secret (whose token must never be a
# process argument) and both ways of printing platform IDs are checked.
source "$(dirname "$0")/lib.sh"
need_yaml_tools
# The Helm path (--no-operator); test_las_init_operator.sh tests the operator path.
INIT=$TEST_DIR/las-init-helm
printf '#!/bin/sh\nexec %q --no-operator "$@"\n' "$LAS_SOURCE_DIR/scripts/las-init" >"$INIT"
chmod +x "$INIT"

expect_rc 0 "$INIT" --help
expect_output '^usage: scripts/las-init'
if grep -q 'set -euo' "$TEST_DIR/out"; then fail "--help prints the script itself"; fi
expect_output '3 a tool is missing or no Kubernetes cluster answers\.$'
for opt in --namespace --secret-username --secret-token --secret-email --registry --dry-run --plugin --aesmd; do
  expect_output -- "$opt"
done

bad=(
  "unknown argument '--frobnicate'|--frobnicate"
  "needs a value|--namespace"
  "invalid namespace|--namespace Bad_NS"
  "invalid release name|--release -las"
  "--mode must be|--mode enclave"
  "--plugin must be|--plugin nvidia"
  "--aesmd must be|--aesmd both"
  "--timeout must look like|--timeout soon"
  "--set needs KEY=VALUE|--set mode"
  "--las-mrsigner needs 64 hex digits|--las-mrsigner 1234"
  "--las-mrenclave needs 64 hex digits|--las-mrenclave $(printf 'g%.0s' $(seq 64))"
  "cannot read values file|--values /nonexistent/values.yaml"
  "needs --secret-token|--secret-username bob"
  "need --secret-username|--secret-token abc"
  "need --secret-username|--secret-email bob@example.org"
)
for case in "${bad[@]}"; do
  msg=${case%%|*}
  read -r -a args <<<"${case#*|}"
  expect_rc 2 env -u LAS_SECRET_TOKEN "$INIT" --dry-run "${args[@]}"
  expect_output "$msg"
done
expect_rc 2 "$INIT" --dry-run --image "has space"
expect_output "invalid image 'has space'"
pass "las-init refuses $((${#bad[@]} + 1)) kinds of bad arguments with exit 2"

# --- the dry-run plan ------------------------------------------------------
export LAS_GET_PLATFORM_IDS=$TEST_DIR/no-such-get-platform-ids
expect_rc 0 "$INIT" --dry-run
expect_output "^\+ helm upgrade --install las $LAS_SOURCE_DIR/deploy/helm/las --namespace las$"
expect_output '^#  +name: las$'
expect_output 'pod-security.kubernetes.io/enforce: privileged'
expect_output 'rollout status daemonset -l app.kubernetes.io/instance=las\\,app.kubernetes.io/component=attestation\\,app.kubernetes.io/part-of=las --timeout 5m'
expect_output 'no image pull secret'
expect_output 'UNVERIFIED'

expect_rc 0 "$INIT" --dry-run -n conf -r las2 --image reg.example:5000/team/las:1.2 --mode sgx \
  --plugin azure --aesmd none --set sgxEpcMem=32 --secret-username bob --secret-token 'T0k3n!x' \
  --secret-email bob@example.org --context prod --timeout 90s -- --atomic
plan=$(cat "$TEST_DIR/out")
grep -qF 'T0k3n!x' <<<"$plan" && fail "the dry run shows the token"
grep -qE '^\+ helm upgrade --install las2 .* --namespace conf --kube-context prod --set-string image=reg.example:5000/team/las:1.2 --set mode=sgx --set useSGXDevPlugin=azure --set aesmd=none --set imagePullSecrets\\\[0\\\].name=las-pull --set sgxEpcMem=32 --atomic$' <<<"$plan" ||
  fail "helm command in the plan: $(grep helm <<<"$plan")"
grep -q 'image pull secret las-pull for reg.example:5000 (user bob' <<<"$plan" || fail "registry not taken from the image"
grep -q -- '--context prod -n conf rollout status' <<<"$plan" || fail "kubectl context/namespace in the plan"
grep -q -- '--timeout 90s' <<<"$plan" || fail "timeout in the plan"
config=$(sed -n 's/^#  *\.dockerconfigjson: //p' <<<"$plan" | base64 -d)
[ "$(jq -r '.auths["reg.example:5000"].username' <<<"$config")" = bob ] || fail "secret config: $config"
[ "$(jq -r '.auths["reg.example:5000"].password' <<<"$config")" = REDACTED ] || fail "secret config: $config"
[ "$(jq -r '.auths["reg.example:5000"].email' <<<"$config")" = bob@example.org ] || fail "secret email: $config"

if [ -x "$LAS_SOURCE_DIR/scripts/get-platform-ids" ]; then
  expect_rc 0 env -u LAS_GET_PLATFORM_IDS "$INIT" --dry-run --mode sim
  expect_output "^\+ $LAS_SOURCE_DIR/scripts/get-platform-ids -n las -r las --trust-sim-roots -- --allow-simulation\$"
fi
expect_rc 0 "$INIT" --dry-run --image team/las:1 --secret-username u --secret-token t
expect_output 'pull secret las-pull for docker.io'
pass "--dry-run prints the plan (namespace, secret without token, helm, rollout, IDs)"

# --- a full run against stubs ------------------------------------------------
ID_A=$(printf 'A%.0s' $(seq 64))
ID_B=$(printf 'B%.0s' $(seq 64))
mkdir -p "$TEST_DIR/bin"
cat >"$TEST_DIR/bin/kubectl" <<EOF
#!/usr/bin/env bash
echo "kubectl \$*" >>"$TEST_DIR/calls"
case " \$* " in
*" apply -f - "*) { echo ---; cat; } >>"$TEST_DIR/applied" ;;
*" rollout status "*) echo 'daemon set "las" successfully rolled out' ;;
*" get pods "*) printf 'pod/las-a\npod/las-b\n' ;;
*" jsonpath="*) echo 18766 ;;
*" exec pod/las-a "*) echo "$ID_A" ;;
*" exec pod/las-b "*) exit 1 ;;
*" logs pod/las-b "*) echo "2026-11-29T18:00:00.000Z info platform identity: Ed25519 public key $ID_B (mode sim, cpusvn 00, isvsvn 1)" ;;
*) echo "stub kubectl: unexpected: \$*" >&2; exit 9 ;;
esac
EOF
cat >"$TEST_DIR/bin/helm" <<EOF
#!/usr/bin/env bash
echo "helm \$*" >>"$TEST_DIR/calls"
EOF
chmod +x "$TEST_DIR/bin/kubectl" "$TEST_DIR/bin/helm"
# The stub's log line must match what LAS prints: the ID is the 8th field.
[ "$(echo "2026-11-29T18:00:00.000Z info platform identity: Ed25519 public key $ID_B (mode sim, cpusvn 00, isvsvn 1)" | awk '{print $8}')" = "$ID_B" ] ||
  fail "stub log line layout"

printf 'S3cr3t-token\n' >"$TEST_DIR/token"
PATH=$TEST_DIR/bin:$PATH expect_rc 0 "$INIT" --mode sim --image r.example/las:2 --secret-username ci \
  --secret-token - <"$TEST_DIR/token"
grep -q 'UNVERIFIED' "$TEST_DIR/err" || fail "no UNVERIFIED warning without get-platform-ids"
grep -qx "platforms: \[$ID_A, $ID_B\]  # UNVERIFIED" "$TEST_DIR/out" || { cat "$TEST_DIR/out" >&2; fail "platforms line"; }
grep -q 'S3cr3t-token' "$TEST_DIR/calls" && fail "the token was a command argument"
# line NUMBER of the last call matching PATTERN (0: none)
line() { grep -nE "$1" "$TEST_DIR/calls" | tail -n 1 | cut -d: -f1 || echo 0; }
[ "$(grep -c 'apply -f -' "$TEST_DIR/calls")" -eq 2 ] || fail "expected two kubectl apply (namespace, secret)"
helm_line=$(line '^helm upgrade --install')
[ "$(line 'apply -f -')" -lt "$helm_line" ] &&
  [ "$helm_line" -lt "$(line 'rollout status')" ] && [ "$(line 'rollout status')" -lt "$(line ' exec ')" ] ||
  { cat "$TEST_DIR/calls" >&2; fail "order of the steps"; }
grep -qE '^helm upgrade --install las .* --set-string image=r.example/las:2 --set mode=sim --set imagePullSecrets\[0\]\.name=las-pull$' "$TEST_DIR/calls" ||
  fail "helm arguments: $(grep ^helm "$TEST_DIR/calls")"
yq -c 'select(.kind == "Namespace")' "$TEST_DIR/applied" >"$TEST_DIR/ns.json" 2>/dev/null ||
  fail "applied namespace is not YAML"
[ "$(jq -r '.metadata.name + " " + .metadata.labels["pod-security.kubernetes.io/enforce"]' "$TEST_DIR/ns.json")" = "las privileged" ] ||
  fail "namespace: $(cat "$TEST_DIR/ns.json")"
yq -c 'select(.kind == "Secret")' "$TEST_DIR/applied" >"$TEST_DIR/secret.json" 2>/dev/null ||
  fail "applied secret is not YAML"
[ "$(jq -r .type "$TEST_DIR/secret.json")" = kubernetes.io/dockerconfigjson ] || fail "secret type"
secret_cfg=$(jq -r '.data[".dockerconfigjson"]' "$TEST_DIR/secret.json" | base64 -d)
[ "$(jq -r '.auths["r.example"].password' <<<"$secret_cfg")" = S3cr3t-token ] || fail "secret password: $secret_cfg"
[ "$(jq -r '.auths["r.example"].auth' <<<"$secret_cfg" | base64 -d)" = ci:S3cr3t-token ] || fail "secret auth"
pass "full run with stubs: namespace, secret (token never an argument), helm, rollout, unverified IDs"

# With a get-platform-ids, its verified list is what is printed.
cat >"$TEST_DIR/get-platform-ids" <<EOF
#!/usr/bin/env bash
echo "get-platform-ids \$*" >>"$TEST_DIR/calls"
echo "platforms: [$ID_A]"
EOF
chmod +x "$TEST_DIR/get-platform-ids"
: >"$TEST_DIR/calls"
LAS_GET_PLATFORM_IDS=$TEST_DIR/get-platform-ids PATH=$TEST_DIR/bin:$PATH expect_rc 0 "$INIT" -n ns1 -r rel1 --mode sim
grep -qx "platforms: \[$ID_A\]" "$TEST_DIR/out" || fail "verified platforms line: $(cat "$TEST_DIR/out")"
grep -q UNVERIFIED "$TEST_DIR/out" "$TEST_DIR/err" && fail "UNVERIFIED with get-platform-ids"
grep -qx 'get-platform-ids -n ns1 -r rel1 --trust-sim-roots -- --allow-simulation' "$TEST_DIR/calls" ||
  fail "get-platform-ids arguments: $(grep get-platform-ids "$TEST_DIR/calls")"
signer=$(printf 'ab%.0s' $(seq 32))
: >"$TEST_DIR/calls"
LAS_GET_PLATFORM_IDS=$TEST_DIR/get-platform-ids PATH=$TEST_DIR/bin:$PATH expect_rc 0 "$INIT" --mode sgx --las-mrsigner "$signer"
grep -qx "get-platform-ids -n las -r las -- --las-mrsigner $signer" "$TEST_DIR/calls" ||
  fail "get-platform-ids arguments with --las-mrsigner: $(grep get-platform-ids "$TEST_DIR/calls")"
LAS_GET_PLATFORM_IDS=$TEST_DIR/get-platform-ids PATH=$TEST_DIR/bin:$PATH expect_rc 0 "$INIT" --mode sgx
expect_output 'hardware evidence is refused \(LAS enclave not pinned\)'
LAS_GET_PLATFORM_IDS=$TEST_DIR/get-platform-ids expect_rc 0 "$INIT" --dry-run --mode sim --las-mrenclave "$signer"
expect_output "get-platform-ids -n las -r las --trust-sim-roots -- --allow-simulation --las-mrenclave $signer\$"
grep -q ' exec ' "$TEST_DIR/calls" && fail "las id was used although get-platform-ids is there"
# --collateral and --allow-unknown-tcb go to get-platform-ids (las verify-evidence): without one
# of them mode sgx verifies no node.
echo '{}' >"$TEST_DIR/coll.json"
: >"$TEST_DIR/calls"
LAS_GET_PLATFORM_IDS=$TEST_DIR/get-platform-ids PATH=$TEST_DIR/bin:$PATH expect_rc 0 "$INIT" \
  --mode sgx --las-mrsigner "$signer" --collateral "$TEST_DIR/coll.json"
grep -qx "get-platform-ids -n las -r las -- --las-mrsigner $signer --collateral $TEST_DIR/coll.json" "$TEST_DIR/calls" ||
  fail "get-platform-ids arguments with --collateral: $(grep get-platform-ids "$TEST_DIR/calls")"
LAS_GET_PLATFORM_IDS=$TEST_DIR/get-platform-ids expect_rc 0 "$INIT" --dry-run --no-operator --mode sgx \
  --las-mrsigner "$signer" --allow-unknown-tcb
expect_output "get-platform-ids -n las -r las -- --las-mrsigner $signer --allow-unknown-tcb\$"

# A failed rollout is exit 1.
sed -i 's/successfully rolled out'"'"' ;;/successfully rolled out'"'"'; exit 1 ;;/' "$TEST_DIR/bin/kubectl"
PATH=$TEST_DIR/bin:$PATH expect_rc 1 "$INIT"
expect_output 'the rollout did not finish'
pass "verified IDs from get-platform-ids; failed rollout is exit 1"
# --- the verified path end to end: the real scripts/get-platform-ids and las --
# A real LAS (sim) plays the pod; the stub kubectl runs `las evidence`
# against it for `kubectl exec`. get-platform-ids verifies the evidence with
# the real `las verify-evidence`, and las-init must print exactly that ID.
if [ -x "$LAS_SOURCE_DIR/scripts/get-platform-ids" ] && [ -n "${LAS_BIN:-}" ]; then
  start_sim_las "$TEST_DIR/las.log" "$TEST_DIR/state"
  port=$LAS_PORT
  mkdir -p "$TEST_DIR/bin2"
  cat >"$TEST_DIR/bin2/kubectl" <<EOF
#!/usr/bin/env bash
echo "kubectl \$*" >>"$TEST_DIR/calls2"
case " \$* " in
*" apply -f - "*) cat >/dev/null ;;
*" rollout status "*) echo 'daemon set "las" successfully rolled out' ;;
*" get pods "*) echo las-node1 ;;
*" exec "*" -- las evidence --las 127.0.0.1:18766 "*) exec "$LAS_BIN" evidence --las 127.0.0.1:$port ;;
*) echo "stub kubectl: unexpected: \$*" >&2; exit 9 ;;
esac
EOF
  chmod +x "$TEST_DIR/bin2/kubectl"
  PATH=$TEST_DIR/bin2:$TEST_DIR/bin:$PATH expect_rc 0 env -u LAS_GET_PLATFORM_IDS "$INIT" --mode sim
  want=$("$LAS_BIN" id --las "127.0.0.1:$port")
  grep -qx "platforms: \[$want\]" "$TEST_DIR/out" ||
    { cat "$TEST_DIR/out" "$TEST_DIR/err" >&2; fail "las-init did not print the verified ID $want"; }
  grep -q UNVERIFIED "$TEST_DIR/out" "$TEST_DIR/err" && fail "verified path printed UNVERIFIED"
  # Without --allow-simulation (mode auto) the simulated evidence is refused: exit 1.
  PATH=$TEST_DIR/bin2:$TEST_DIR/bin:$PATH expect_rc 1 env -u LAS_GET_PLATFORM_IDS "$INIT"
  expect_output 'not every platform ID could be verified'
  pass "verified platform ID through the real get-platform-ids and las verify-evidence"
else
  echo "note: scripts/get-platform-ids or LAS_BIN missing: verified path not run end to end"
fi
echo "las-init: all checks passed"
