#!/usr/bin/env bash
# Faults of LAS's environment: each start-up failure gives a clear message and
# the distinct exit code of its class (docs/security.md, `las serve --help`);
# nothing on disk is overwritten; a killed LAS restarts with the same ID.
source "$(dirname "$0")/lib.sh"

# serve_rc WANT PATTERN ARGS...: `las serve` must fail with exit WANT and say PATTERN.
serve_rc() {
  local want=$1 pattern=$2 rc=0
  shift 2
  timeout 20 "$LAS_BIN" serve --mode sim "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    cat "$TEST_DIR/out" "$TEST_DIR/err" >&2
    fail "expected exit $want, got $rc: las serve $*"
  fi
  grep -q -- "$pattern" "$TEST_DIR/err" || { cat "$TEST_DIR/err" >&2; fail "no message '$pattern'"; }
}

# --- root -------------------------------------------------------------------
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  # Not root: a user namespace maps us to uid 0 where the kernel allows it.
  if unshare -r true 2>/dev/null; then as_root=(unshare -r); else as_root=(skip); fi
fi
if [ "${as_root[0]:-}" != skip ]; then
  rc=0
  env -u LAS_ALLOW_ROOT "${as_root[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 \
    --state-dir "$TEST_DIR/root-state" >"$TEST_DIR/root.out" 2>"$TEST_DIR/root.err" || rc=$?
  [ "$rc" -eq 6 ] || { cat "$TEST_DIR/root.err" >&2; fail "as root: exit $rc, expected 6"; }
  grep -q 'refusing to run as root' "$TEST_DIR/root.err" || fail "as root: no clear message"
  [ ! -e "$TEST_DIR/root-state" ] || fail "as root: the state directory was created before refusing"
  rc=0
  env LAS_ALLOW_ROOT=0 "${as_root[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 \
    --state-dir "$TEST_DIR/root-state" >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 6 ] || fail "as root with LAS_ALLOW_ROOT=0: exit $rc, expected 6"
  # --allow-root lets it start (the lib.sh start_las path uses LAS_ALLOW_ROOT=1).
  (env -u LAS_ALLOW_ROOT "${as_root[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 \
    --allow-root --state-dir "$TEST_DIR/root-state" >"$TEST_DIR/root-ok.log" 2>&1 &
   echo $! >"$TEST_DIR/root-ok.pid")
  for _ in $(seq 1 100); do grep -qs 'ready' "$TEST_DIR/root-ok.log" && break; sleep 0.05; done
  grep -q 'running as root because --allow-root' "$TEST_DIR/root-ok.log" ||
    fail "--allow-root: no start or no warning"
  kill -TERM "$(cat "$TEST_DIR/root-ok.pid")"
  pass "as root, las serve refuses (exit 6) unless --allow-root, which it warns about"
else
  echo "skip: cannot become uid 0 here (no root, no user namespaces): root refusal untested"
fi
