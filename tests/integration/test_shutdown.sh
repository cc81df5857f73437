#!/usr/bin/env bash
# Graceful stop (DESIGN §6): on SIGTERM LAS stops accepting connections,
# finishes the requests in flight, then exits 0.
source "$(dirname "$0")/lib.sh"
: "${LAS_TEST_REPORT:?}"

state="$TEST_DIR/state"
start_las main "$state"
port=${LAS_ADDR##*:}
http GET /v1/target-info >/dev/null
"$LAS_TEST_REPORT" "$state" "$TEST_DIR/body" >"$TEST_DIR/good.report"

wait_log() {
  for _ in $(seq 1 100); do
    grep -q "$1" "$LAS_LOG" && return 0
    sleep 0.05
  done
  fail "log never said '$1'"
}

# A quote request in flight: headers and half of the REPORT sent.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 432\r\n\r\n' >&3
head -c 200 "$TEST_DIR/good.report" >&3
sleep 0.2
kill -TERM "$LAS_PID"
wait_log 'received SIGTERM'

rc=0
curl -s -m 2 -o /dev/null "http://$LAS_ADDR/healthz" || rc=$?
[ "$rc" = 7 ] || fail "a new connection after SIGTERM was not refused (curl exit $rc)"
pass "after SIGTERM new connections are refused"

tail -c +201 "$TEST_DIR/good.report" >&3
timeout 5 cat <&3 >"$TEST_DIR/answer" || true
exec 3>&-
head -n 1 "$TEST_DIR/answer" | grep -q '^HTTP/1.1 200' || fail "in-flight request: $(head -n 1 "$TEST_DIR/answer")"
rc=0
wait "$LAS_PID" || rc=$?
[ "$rc" = 0 ] || fail "exit $rc after SIGTERM"
pass "the request in flight is answered, then LAS exits 0"

# A request that never completes is cut after --shutdown-timeout.
start_las slow "$state" --shutdown-timeout 1
exec 3<>"/dev/tcp/127.0.0.1/${LAS_ADDR##*:}"
printf 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 432\r\n\r\nabc' >&3
sleep 0.2
kill -TERM "$LAS_PID"
rc=0
timeout 10 bash -c "while kill -0 $LAS_PID 2>/dev/null; do sleep 0.05; done" || rc=$?
[ "$rc" = 0 ] || fail "LAS did not stop within 10 s with --shutdown-timeout 1"
rc=0
wait "$LAS_PID" || rc=$?
exec 3>&-
[ "$rc" = 0 ] || fail "exit $rc after SIGTERM with a stuck request"
grep -q 'still in flight' "$LAS_LOG" || fail "the cut request is not logged"
pass "a stuck request is cut after --shutdown-timeout and LAS exits 0"
