# Helpers shared by tests/integration/lib.sh and tests/deploy/lib.sh, which
# source this file after defining fail() and TEST_DIR.

pass() { echo "ok: $*"; }

# expect_rc WANT CMD...: runs CMD, keeps its output in $TEST_DIR/out and
# $TEST_DIR/err, and checks its exit code.
expect_rc() {
  local want=$1 rc=0
  shift
  "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    cat "$TEST_DIR/out" "$TEST_DIR/err" >&2
    fail "'$*' exited with $rc, expected $want"
  fi
}

# wait_las_port LOG PID: waits until the las serve PID logged "listening on
# ... (port N); ready" in LOG and sets LAS_PORT; fails when it exits first.
wait_las_port() {
  local log=$1 pid=$2
  LAS_PORT=""
  for _ in $(seq 1 200); do
    LAS_PORT=$(sed -n 's/.*listening on .* (port \([0-9]*\)); ready.*/\1/p' "$log" | tail -n 1)
    [ -n "$LAS_PORT" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "las serve exited during start-up"; }
    sleep 0.05
  done
  cat "$log" >&2
  fail "las serve did not become ready"
}
