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
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n' >&3 # never finished
code=$(http GET /healthz); [ "$code" = 200 ] || fail "healthz after garbage: $code"
exec 3>&-
pass "garbage and unfinished requests do not disturb other clients"

# Raw requests (python3 sockets): raw BYTES (with \r, \n escapes) [SECONDS] prints all LAS answers until it
# closes the connection or SECONDS (default 1) pass without a byte; "[reset]" if LAS reset it.
raw() {
  python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
s.settimeout(float(sys.argv[3]))
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except socket.timeout:
    pass
except ConnectionResetError:
    out += b"\n[reset]\n"
sys.stdout.buffer.write(out)' "${LAS_ADDR##*:}" "$1" "${2:-1}" | tr -d '\r'
}
# The status lines of the answers, one a line.
statuses() { grep -a '^HTTP/' | cut -d' ' -f2 | tr '\n' ' '; }

# A HEAD answer has no body, errors too: the next answer follows its head at once.
out=$(raw 'HEAD /healthz HTTP/1.1\r\nHost: localhost\r\nOrigin: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')
[ "$(awk 'p == 1 { print; exit } /^$/ { p = 1 }' <<<"$out" | cut -c1-12)" = "HTTP/1.1 200" ] ||
  fail "HEAD refused with Origin: a body follows the head: $out"
out=$(raw 'HEAD /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')
[ "$(awk 'p == 1 { print; exit } /^$/ { p = 1 }' <<<"$out" | cut -c1-12)" = "HTTP/1.1 200" ] ||
  fail "HEAD /nowhere: a body follows the head: $out"
grep -q '^Content-Length: [1-9]' <<<"$out" || fail "HEAD /nowhere: no Content-Length as for GET"
pass "HEAD answers (errors too) carry no body; keep-alive goes on"

# A blank in a header name is refused (RFC 9112 section 5.1): LAS's checks match exact names.
for h in 'Content-Length : 5' 'Host : evil.example' 'Origin : x' 'Origin\t: x'; do
  out=$(raw "GET /healthz HTTP/1.1\r\nHost: localhost\r\n$h\r\n\r\n")
  [ "$(statuses <<<"$out")" = "400 " ] || fail "header '$h': $(statuses <<<"$out")"
done
pass "header names with a blank: 400"

# HTTP/1.1 needs exactly one Host (RFC 9112 section 3.2); HTTP/1.0 may go without.
out=$(raw 'GET /healthz HTTP/1.1\r\n\r\n')
[ "$(statuses <<<"$out")" = "400 " ] || fail "HTTP/1.1 without Host: $(statuses <<<"$out")"
out=$(raw 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n')
[ "$(statuses <<<"$out")" = "400 " ] || fail "two Hosts: $(statuses <<<"$out")"
out=$(raw 'GET /healthz HTTP/1.0\r\n\r\n')
[ "$(statuses <<<"$out")" = "200 " ] || fail "HTTP/1.0 without Host: $(statuses <<<"$out")"
pass "HTTP/1.1 without Host or with two: 400; HTTP/1.0 without Host: 200"

# A header name longer than any LAS looks at is no Host, however it begins.
long="Host$(printf 'x%.0s' {1..40})"
out=$(raw "GET /healthz HTTP/1.1\r\nHost: localhost\r\n$long: evil.example\r\n\r\n")
[ "$(statuses <<<"$out")" = "200 " ] || fail "a long name beginning with Host counted as Host: $(statuses <<<"$out")"
out=$(raw "GET /healthz HTTP/1.1\r\n$long: localhost\r\n\r\n")
[ "$(statuses <<<"$out")" = "400 " ] || fail "a long name beginning with Host taken for Host: $(statuses <<<"$out")"
pass "a long header name beginning with Host is not Host"

# Every answer after which LAS closes says so.
for req in 'GET /healthz HTTP/2.0\r\nHost: localhost\r\n\r\n' 'GET /healthz HTTP/2.1\r\nHost: localhost\r\n\r\n' \
  'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'; do
  out=$(raw "$req")
  grep -q '^Connection: close$' <<<"$out" || fail "no Connection: close: $out"
done
pass "505 and ambiguous-length 400 answers carry Connection: close"
out=$(raw 'GET /healthz HTTP/1.2\r\nHost: localhost\r\nConnection: close\r\n\r\n')
[ "$(statuses <<<"$out")" = "200 " ] || fail "HTTP/1.2: $(statuses <<<"$out")"
out=$(raw 'GET /healthz\r\n\r\n')
[ "$(statuses <<<"$out")" = "505 " ] || fail "HTTP/0.9: $(statuses <<<"$out")"
pass "HTTP/1.2 is served as 1.1; HTTP/0.9 gets 505 (docs/http-api.md)"

# HTTP/1.0 keep-alive is said out loud (or the connection closes).
out=$(raw 'GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n')
[ "$(statuses <<<"$out")" = "200 200 " ] || fail "HTTP/1.0 keep-alive: $(statuses <<<"$out")"
[ "$(grep -c '^Connection: keep-alive$' <<<"$out")" = 1 ] && grep -q '^Connection: close$' <<<"$out" ||
  fail "HTTP/1.0 keep-alive: the answers do not say it: $out"
pass "HTTP/1.0 with Connection: Keep-Alive gets Connection: keep-alive"

# Expect: 100-continue is answered before the body comes; other expectations get 417.
out=$(raw 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 432\r\nExpect: 100-continue\r\n\r\n' 0.5)
[ "$(statuses <<<"$out")" = "100 " ] || fail "Expect: 100-continue: $(statuses <<<"$out")"
out=$(raw 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nExpect: something\r\n\r\n')
[ "$(statuses <<<"$out")" = "417 " ] || fail "Expect: something: $(statuses <<<"$out")"
t=$(curl -s -o "$TEST_DIR/body" -w '%{http_code} %{time_total}' -H 'Expect: 100-continue' \
  --data-binary @"$TEST_DIR/good.report" "http://$LAS_ADDR/v1/quote")
[ "${t%% *}" = 200 ] && awk -v t="${t#* }" 'BEGIN { exit !(t < 0.8) }' ||
  fail "curl with Expect: 100-continue: $t (curl waits 1 s without the 100)"
pass "Expect: 100-continue answered with 100; other Expect values 417"

# Closing with unread input: the answer arrives whole and the connection ends with a FIN,
# not a reset (which can cut the answer short when it is not yet sent): a lingering close.
body=$(head -c 60000 /dev/zero | tr '\0' x)
out=$(raw "POST /nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Length: 60000\r\n\r\n$body" 2)
[ "$(statuses <<<"$out")" = "404 " ] && grep -q '"code":"not_found"' <<<"$out" &&
  ! grep -q '^\[reset\]$' <<<"$out" ||
  fail "answer before an unread body: $out"
pass "an answer before an unread body arrives whole"

# A long body on a GET route: 413 before it is read. A chunked upload dropped beyond
# 64 KiB: no answer, counted under code="other".
out=$(raw 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n')
[ "$(statuses <<<"$out")" = "413 " ] || fail "GET with a 100,000-byte body: $(statuses <<<"$out")"
body=$(head -c 70000 /dev/zero | tr '\0' x)
out=$(raw "POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n11170\r\n$body\r\n0\r\n\r\n")
[ -z "$(statuses <<<"$out")" ] || fail "chunked upload of 70,000 bytes: $(statuses <<<"$out")"
curl -s "http://$LAS_ADDR/metrics" | grep -q '^las_http_requests_total{handler="quote",code="other"} 1$' ||
  fail "the dropped upload is not counted under code=\"other\""
pass "GET with a long body: 413; a dropped upload counts as code=\"other\""

code=$(http GET /readyz); [ "$code" = 200 ] || fail "readyz: $code"
code=$(http GET /v1/platform); [ "$code" = 200 ] || fail "platform: $code"
grep -q '"mode": "sim"' "$TEST_DIR/body" || fail "platform document lacks mode"
grep -q '"platform_id": "[0-9A-F]\{64\}"' "$TEST_DIR/body" || fail "platform document lacks ID"
code=$(http GET /metrics); [ "$code" = 200 ] || fail "metrics: $code"
# two issued: one above with Expect: 100-continue
grep -q '^las_quotes_total{outcome="issued"} 2$' "$TEST_DIR/body" || fail "issued count"
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

# --- Host check and no CORS (DNS rebinding, docs/security.md) ----------------------
start_las hosts "$TEST_DIR/hosts-state" --listen 0.0.0.0:0
port=${LAS_ADDR##*:}
for host in "127.0.0.1:$port" "localhost:$port" "LOCALHOST" "[::ffff:127.0.0.1]:$port"; do
  code=$(http GET /healthz -H "Host: $host"); [ "$code" = 200 ] || fail "Host $host: $code"
done
# The machine's own (non-loopback) address, as the kubelet and Prometheus use the pod IP.
addr=$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub("/.*", "", $4); print $4; exit}')
if [ -n "$addr" ]; then
  code=$(http GET /healthz -H "Host: $addr:$port"); [ "$code" = 200 ] || fail "Host $addr: $code"
fi
for host in "evil.example" "evil.example:$port" "localhost.evil.example" "10.255.255.254:$port"; do
  code=$(http GET /v1/target-info -H "Host: $host")
  [ "$code" = 421 ] || fail "Host $host: $code, expected 421"
  grep -q '"code":"host_not_allowed"' "$TEST_DIR/body" || fail "Host $host: no JSON error"
done
code=$(http POST /v1/quote -H "Host: evil.example" --data-binary @"$TEST_DIR/good.report")
[ "$code" = 421 ] || fail "quote for Host evil.example: $code"
# Requests from web pages: refused, and no answer ever carries a CORS header.
for m in GET OPTIONS; do
  code=$(curl -s -D "$TEST_DIR/headers" -o "$TEST_DIR/body" -w '%{http_code}' -X "$m" \
    -H 'Origin: http://evil.example' -H 'Access-Control-Request-Method: POST' \
    "http://$LAS_ADDR/v1/target-info")
  [ "$code" = 403 ] || fail "$m with Origin: $code, expected 403"
  grep -q '"code":"origin_not_allowed"' "$TEST_DIR/body" || fail "$m with Origin: no JSON error"
  ! grep -qi '^access-control-' "$TEST_DIR/headers" || fail "$m with Origin: a CORS header"
done
for p in /v1/target-info /healthz /readyz /metrics /v1/platform /nowhere; do
  curl -s -D "$TEST_DIR/headers" -o /dev/null -X OPTIONS "http://$LAS_ADDR$p"
  ! grep -qi '^access-control-' "$TEST_DIR/headers" || fail "OPTIONS $p: a CORS header"
done
curl -s "http://$LAS_ADDR/metrics" | grep -q 'las_http_requests_total{handler="target_info",code="421"} 4' ||
  fail "metrics: the 421s are not counted"
stop_las "$LAS_PID"
pass "Host: localhost, loopback and the machine's addresses answered, others 421; Origin 403; no CORS header anywhere"

start_las hosts2 "$TEST_DIR/hosts-state" --allowed-hosts 'las.test, las.ns.svc'
code=$(http GET /healthz -H 'Host: las.test:18766'); [ "$code" = 200 ] || fail "allowed las.test: $code"
code=$(http GET /healthz -H 'Host: las.ns.svc'); [ "$code" = 200 ] || fail "allowed las.ns.svc: $code"
code=$(http GET /healthz -H 'Host: las.ns'); [ "$code" = 421 ] || fail "not allowed las.ns: $code"
stop_las "$LAS_PID"
LAS_ALLOWED_HOSTS='*' start_las hosts3 "$TEST_DIR/hosts-state"
grep -q 'Host check off' "$LAS_LOG" || fail "no warning when the Host check is off"
code=$(http GET /healthz -H 'Host: evil.example'); [ "$code" = 200 ] || fail "check off: $code"
stop_las "$LAS_PID"
rc=0
"$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 --state-dir "$TEST_DIR/hosts-state" \
  --allowed-hosts 'a/b' >"$TEST_DIR/bad-hosts.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && grep -q "invalid host 'a/b'" "$TEST_DIR/bad-hosts.log" ||
  fail "--allowed-hosts a/b: exit $rc, $(tail -n 1 "$TEST_DIR/bad-hosts.log")"
pass "--allowed-hosts adds names; '*' turns the check off with a warning; a bad entry stops LAS"
