#!/usr/bin/env bash
# The HTTP API against malformed and foreign input; LAS keeps serving.
source "$(dirname "$0")/lib.sh"
: "${LAS_TEST_REPORT:?}"

state="$TEST_DIR/state"
start_las main "$state"

code=$(http GET /v1/target-info)
[ "$code" = 200 ] && [ "$(stat -c %s "$TEST_DIR/body")" = 512 ] || fail "target-info: $code"
cp "$TEST_DIR/body" "$TEST_DIR/ti.bin"
pass "GET /v1/target-info: 200, 512 bytes"

"$LAS_TEST_REPORT" "$state" "$TEST_DIR/ti.bin" >"$TEST_DIR/good.report"
code=$(http POST /v1/quote --data-binary @"$TEST_DIR/good.report")
[ "$code" = 200 ] && [ "$(stat -c %s "$TEST_DIR/body")" = 520 ] || fail "good report: $code"
pass "POST /v1/quote with a REPORT for LAS: 200, 520 bytes"

for size in 0 1 431 433 5000; do
  head -c "$size" /dev/zero >"$TEST_DIR/sized"
  code=$(http POST /v1/quote --data-binary @"$TEST_DIR/sized")
  [ "$code" = 400 ] || fail "body of $size bytes: $code"
  grep -q '"code":"bad_request_size"' "$TEST_DIR/body" || fail "size $size: $(cat "$TEST_DIR/body")"
done
head -c 431 "$TEST_DIR/good.report" >"$TEST_DIR/chunk"
code=$(http POST /v1/quote -H 'Transfer-Encoding: chunked' --data-binary @"$TEST_DIR/chunk")
[ "$code" = 400 ] || fail "chunked short body: $code"
pass "wrong body sizes get 400 bad_request_size"

"$LAS_TEST_REPORT" "$state" other >"$TEST_DIR/other.report"
code=$(http POST /v1/quote --data-binary @"$TEST_DIR/other.report")
[ "$code" = 403 ] || fail "REPORT for another target: $code"
grep -q '"code":"report_mac_invalid"' "$TEST_DIR/body" || fail "$(cat "$TEST_DIR/body")"
"$LAS_TEST_REPORT" "$TEST_DIR/other-machine" "$TEST_DIR/ti.bin" >"$TEST_DIR/foreign.report"
code=$(http POST /v1/quote --data-binary @"$TEST_DIR/foreign.report")
[ "$code" = 403 ] || fail "REPORT from another CPU: $code"
pass "REPORTs for another target or from another CPU: 403 report_mac_invalid"

head -c 432 /dev/urandom >"$TEST_DIR/garbage.report"
code=$(http POST /v1/quote --data-binary @"$TEST_DIR/garbage.report")
[ "$code" = 403 ] || fail "random REPORT: $code"

code=$(http GET /nowhere); [ "$code" = 404 ] || fail "unknown path: $code"
grep -q '"code":"not_found"' "$TEST_DIR/body" || fail "404 body"
code=$(http GET /v1/quote); [ "$code" = 405 ] || fail "GET /v1/quote: $code"
code=$(http DELETE /v1/target-info); [ "$code" = 405 ] || fail "DELETE: $code"
code=$(http POST /v1/platform --data x); [ "$code" = 405 ] || fail "POST /v1/platform: $code"
pass "unknown paths 404, wrong methods 405, with JSON error bodies"

# Garbage bytes and half requests on raw connections.
for _ in 1 2 3; do
  exec 3<>"/dev/tcp/127.0.0.1/${LAS_ADDR##*:}"
  printf '\x00\xff\x13garbage\r\n\r\n' >&3
  exec 3>&-
done
exec 3<>"/dev/tcp/127.0.0.1/${LAS_ADDR##*:}"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3 # never finished
code=$(http GET /healthz); [ "$code" = 200 ] || fail "healthz after garbage: $code"
exec 3>&-
pass "garbage and unfinished requests do not disturb other clients"

code=$(http GET /readyz); [ "$code" = 200 ] || fail "readyz: $code"
code=$(http GET /v1/platform); [ "$code" = 200 ] || fail "platform: $code"
grep -q '"mode": "sim"' "$TEST_DIR/body" || fail "platform document lacks mode"
grep -q '"platform_id": "[0-9A-F]\{64\}"' "$TEST_DIR/body" || fail "platform document lacks ID"
code=$(http GET /metrics); [ "$code" = 200 ] || fail "metrics: $code"
grep -q '^las_quotes_total{outcome="issued"} 1$' "$TEST_DIR/body" || fail "issued count"
grep -q '^las_quotes_total{outcome="report_mac_invalid"} 3$' "$TEST_DIR/body" || fail "mac count"
grep -q '^las_quotes_total{outcome="bad_request_size"} 6$' "$TEST_DIR/body" || fail "size count"
grep -q '^las_http_request_duration_seconds_count [1-9]' "$TEST_DIR/body" || fail "histogram"
grep -q '^las_build_info{version=".*",mode="sim"} 1$' "$TEST_DIR/body" || fail "build info"
pass "health, readiness, platform and metrics endpoints"

expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --out "$TEST_DIR/q.bin"
pass "LAS still serves attestations after the abuse"

# Port in use, bad flags.
expect_rc 5 "$LAS_BIN" serve --mode sim --listen "$LAS_ADDR" --state-dir "$state"
grep -q 'cannot listen' "$TEST_DIR/err" || fail "port in use: no clear message"
expect_rc 2 "$LAS_BIN" serve --listen nowhere
expect_rc 2 "$LAS_BIN" serve --no-such-flag
expect_rc 3 "$LAS_BIN" serve --mode sgx --listen 127.0.0.1:0 --state-dir "$state"
grep -q 'not running inside an SGX enclave' "$TEST_DIR/err" || fail "mode sgx message"
pass "port in use, bad flags and --mode sgx outside an enclave fail cleanly"


stop_las "$LAS_PID"

start_las auto "$TEST_DIR/auto-state" --mode auto
grep -q 'SIMULATED backend' "$LAS_LOG" || fail "auto fallback warning missing"
code=$(http GET /readyz); [ "$code" = 200 ] || fail "readyz in auto/sim: $code"
stop_las "$LAS_PID"
pass "--mode auto falls back to sim with a warning"
