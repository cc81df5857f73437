# Helpers for black-box tests against a real `las serve` (sourced by test_*.sh).
# Each test gets a fresh temporary directory; every LAS it starts listens on an
# ephemeral loopback port and is killed when the test exits.
set -euo pipefail

: "${LAS_BIN:?LAS_BIN must point to the las binary}"
# CI and the development machines run as root; LAS refuses that by default.
export LAS_ALLOW_ROOT=1
TEST_DIR=$(mktemp -d /tmp/las-it-XXXXXX)
LAS_PIDS=()

cleanup() {
  for pid in "${LAS_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$TEST_DIR"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$TEST_DIR"/*.log; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

# start_las NAME STATE_DIR [serve args...]: sets LAS_PID and LAS_ADDR.
start_las() {
  local name=$1 state=$2
  shift 2
  local log="$TEST_DIR/$name.log"
  : >"$log" # the background job opens it later; sed below must not race it
  "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 --state-dir "$state" "$@" >"$log" 2>&1 &
  LAS_PID=$!
  LAS_PIDS+=("$LAS_PID")
  wait_las_port "$log" "$LAS_PID"
  LAS_ADDR="127.0.0.1:$LAS_PORT"
  LAS_LOG=$log
}

# stop_las PID: SIGTERM, then the exit code must be 0.
stop_las() {
  local pid=$1 rc=0
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || fail "las serve exited with $rc after SIGTERM"
}

# http METHOD PATH [curl args...]: prints the status code; body in $TEST_DIR/body.
http() {
  local method=$1 path=$2
  shift 2
  curl -s -o "$TEST_DIR/body" -w '%{http_code}' -X "$method" "$@" "http://$LAS_ADDR$path"
}
