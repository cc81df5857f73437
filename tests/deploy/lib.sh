# Helpers for the deployment tests (sourced by tests/deploy/test_*.sh).
# Exit code 77 tells CTest that a test was skipped.
set -euo pipefail

: "${LAS_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TEST_DIR=$(mktemp -d /tmp/las-deploy-XXXXXX)
CLEANUP_CMDS=()

cleanup() {
  local c
  for c in "${CLEANUP_CMDS[@]}"; do eval "$c" || true; done
  rm -rf "$TEST_DIR"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
source "$LAS_SOURCE_DIR/tests/common.sh"
skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# need_helm: sets HELM, installing helm into the project if needed (the
# installer is idempotent and locked, so parallel tests share one install).
# Without network and without a helm on PATH the test is skipped.
need_helm() {
  if [ -n "${LAS_HELM:-}" ]; then
    HELM=$LAS_HELM
  elif HELM=$("$LAS_SOURCE_DIR/scripts/install-helm" --print-path 2>"$TEST_DIR/install-helm.log"); then
    :
  elif command -v helm >/dev/null; then
    HELM=$(command -v helm)
  else
    cat "$TEST_DIR/install-helm.log" >&2
    skip "helm is not available and scripts/install-helm could not install it (no network?)"
  fi
  "$HELM" version >/dev/null || fail "$HELM does not run"
}

# need_yaml_tools: yq (YAML -> JSON) and jq (assertions), from install-deps.
need_yaml_tools() {
  command -v jq >/dev/null || skip "jq is missing (./scripts/install-deps installs it)"
  command -v yq >/dev/null || skip "yq is missing (./scripts/install-deps installs it)"
  # Debian's yq wraps jq; another yq on PATH (same name, other syntax) would
  # make every assertion meaningless.
  [ "$(printf 'a: 1\n---\nb: [x]\n' | yq -s -c . 2>/dev/null)" = '[{"a":1},{"b":["x"]}]' ] ||
    skip "$(command -v yq) is not Debian's jq-based yq (apt-get install yq)"
}

# start_sim_las LOG STATE: a sim-mode las serve on an ephemeral loopback port,
# killed at exit; sets LAS_PID and LAS_PORT.
start_sim_las() {
  local log=$1 state=$2
  : >"$log"
  "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 --state-dir "$state" >"$log" 2>&1 &
  LAS_PID=$!
  CLEANUP_CMDS+=("kill -9 $LAS_PID 2>/dev/null; wait $LAS_PID 2>/dev/null")
  wait_las_port "$log" "$LAS_PID"
}

# expect_output PATTERN: grep -E PATTERN in the last expect_rc's stdout+stderr.
expect_output() {
  if ! cat "$TEST_DIR/out" "$TEST_DIR/err" | grep -E -- "$1" >/dev/null; then
    cat "$TEST_DIR/out" "$TEST_DIR/err" >&2
    fail "output does not match /$1/"
  fi
}
