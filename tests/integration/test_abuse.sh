#!/usr/bin/env bash
# Protocol abuse against a running LAS (all on 127.0.0.1): every case asserts
# the answer and that LAS still serves an honest client afterwards. LAS runs
# with small limits (--max-connections 8, --connection-timeout 2,
# --request-timeout 2, one thread) so that the limit cases are quick. The
# per-peer limit and the abuse run with thousands of connections from several
# source addresses are in tests/bench/test_abuse.sh.
source "$(dirname "$0")/lib.sh"
: "${LAS_TEST_RAWHTTP:?LAS_TEST_RAWHTTP must point to las_test_rawhttp}"
: "${LAS_TEST_REPORT:?}"
RAW=$LAS_TEST_RAWHTTP

state="$TEST_DIR/state"
start_las main "$state" --max-connections 8 --connection-timeout 2 --request-timeout 2 --threads 1
port=${LAS_ADDR##*:}
curl -s -o "$TEST_DIR/ti.bin" "http://$LAS_ADDR/v1/target-info"
"$LAS_TEST_REPORT" "$state" "$TEST_DIR/ti.bin" >"$TEST_DIR/good.report"

# still_serves WHAT: an honest attestation must work now.
still_serves() {
  local code
  code=$(curl -s -m 5 -o "$TEST_DIR/q.bin" -w '%{http_code}' --data-binary @"$TEST_DIR/good.report" \
    "http://$LAS_ADDR/v1/quote") || true
  [ "$code" = 200 ] && [ "$(stat -c %s "$TEST_DIR/q.bin")" = 520 ] ||
    fail "after $1: an honest client got $code"
  kill -0 "$LAS_PID" 2>/dev/null || fail "after $1: LAS died"
}

# raw NAME [WAIT_MS]: sends $TEST_DIR/NAME.req in one write; answer in NAME.resp,
# "closed_by_server=.. ms=.." in NAME.info; prints the status codes in order.
raw() {
  "$RAW" send "$port" "$TEST_DIR/$1.req" "${2:-3000}" >"$TEST_DIR/$1.resp" 2>"$TEST_DIR/$1.info"
  grep -aoE 'HTTP/1\.[01] [0-9]{3} ' "$TEST_DIR/$1.resp" | awk '{print $2}' | tr '\n' ' ' |
    sed 's/ $//'
}
req() { printf "$2" >"$TEST_DIR/$1.req"; } # req NAME PRINTF-FORMAT
# mhd NAME: the status of an error that libmicrohttpd itself answers (0.9.75
# repeats the header block of its own error responses: count it once).
mhd() { local c; c=$(raw "$@"); echo "${c%% *}"; }

# --- oversized bodies ------------------------------------------------------------
req cl-huge 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n\r\nabc'
[ "$(raw cl-huge)" = 400 ] || fail "Content-Length 1e8: $(raw cl-huge)"
grep -aq '"code":"bad_request_size"' "$TEST_DIR/cl-huge.resp" || fail "1e8: no JSON error"
req cl-overflow 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999999999999999\r\n\r\n'
code=$(mhd cl-overflow)
[ "$code" = 400 ] || [ "$code" = 413 ] || fail "overflowing Content-Length: $code"
req cl-negative 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\nabc'
[ "$(mhd cl-negative)" = 400 ] || fail "negative Content-Length"
req cl-double 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 432\r\nContent-Length: 5\r\n\r\nabcde'
[ "$(raw cl-double)" = 400 ] || fail "two Content-Lengths: $(raw cl-double)"
grep -aq '"code":"malformed"' "$TEST_DIR/cl-double.resp" || fail "two Content-Lengths: no JSON error"
req cl-te 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
code=$(mhd cl-te); [ "$code" = 400 ] || fail "Content-Length with Transfer-Encoding: $code"
head -c 5000 /dev/zero >"$TEST_DIR/5k"
code=$(curl -s -o "$TEST_DIR/body" -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
  --data-binary @"$TEST_DIR/5k" "http://$LAS_ADDR/v1/quote")
[ "$code" = 400 ] || fail "chunked 5000 bytes: $code"
grep -q '"code":"bad_request_size"' "$TEST_DIR/body" || fail "chunked: no JSON error"
head -c 2000000 /dev/zero >"$TEST_DIR/2m"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
  --data-binary @"$TEST_DIR/2m" "http://$LAS_ADDR/v1/quote") || true
[ "$code" != 200 ] || fail "chunked 2 MB accepted"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$TEST_DIR/2m" "http://$LAS_ADDR/nowhere")
[ "$code" = 404 ] || fail "2 MB to an unknown path: $code"
(printf 'GET /'; head -c 20000 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\nHost: localhost\r\n\r\n') \
  >"$TEST_DIR/long-url.req"
[ "$(mhd long-url)" = 414 ] || fail "20 kB URL: $(mhd long-url)"
(printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: '; head -c 20000 /dev/zero | tr '\0' a
 printf '\r\n\r\n') >"$TEST_DIR/big-header.req"
code=$(mhd big-header)
[ "$code" = 431 ] || [ "$code" = 413 ] || fail "20 kB header: '$code'"
still_serves "oversized bodies, URLs and headers"
pass "oversized: announced (1e8, overflow, negative), ambiguous (CL twice, CL+TE) and chunked bodies 400, 2 MB dropped, URL 414, header $code"

# --- truncated bodies and requests: closed after the connection timeout -----------
req trunc-body 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 432\r\n\r\nabc'
[ -z "$(raw trunc-body 6000)" ] || fail "truncated body was answered"
grep -q 'closed_by_server=1' "$TEST_DIR/trunc-body.info" || fail "truncated body: not closed"
ms=$(sed 's/.*ms=//' "$TEST_DIR/trunc-body.info")
[ "$ms" -ge 1500 ] && [ "$ms" -le 5000 ] || fail "truncated body closed after $ms ms (timeout 2 s)"
req trunc-head 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n'
[ -z "$(raw trunc-head 6000)" ] || fail "truncated headers were answered"
grep -q 'closed_by_server=1' "$TEST_DIR/trunc-head.info" || fail "truncated headers: not closed"
head -c 431 "$TEST_DIR/good.report" >"$TEST_DIR/431"
code=$(curl -s -o "$TEST_DIR/body" -w '%{http_code}' --data-binary @"$TEST_DIR/431" "http://$LAS_ADDR/v1/quote")
[ "$code" = 400 ] || fail "431-byte REPORT: $code"
still_serves "truncated requests"
pass "truncated bodies and headers: no answer, closed after the 2 s timeout ($ms ms); short REPORT 400"

# --- wrong methods, paths and versions -------------------------------------------
for m in PUT PATCH DELETE OPTIONS TRACE; do
  code=$(curl -s -o "$TEST_DIR/body" -w '%{http_code}' -X "$m" "http://$LAS_ADDR/v1/quote")
  [ "$code" = 405 ] || fail "$m /v1/quote: $code"
  grep -q '"code":"method_not_allowed"' "$TEST_DIR/body" || fail "$m: no JSON body"
done
for p in / /v1 /v1/ /v1/quote/ /v1/target-info/x //v1/target-info /V1/TARGET-INFO /../v1/quote \
  '/v1/target-info%00' /%2e%2e/etc/passwd; do
  code=$(curl -s --path-as-is -o "$TEST_DIR/body" -w '%{http_code}' "http://$LAS_ADDR$p")
  [ "$code" = 404 ] || fail "GET $p: $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$LAS_ADDR/v1/target-info?x=1")
[ "$code" = 200 ] || fail "query string: $code"
req lower 'get /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'
code=$(mhd lower); [ "$code" = 405 ] || [ "$code" = 400 ] || [ "$code" = 501 ] || fail "lower-case method: $code"
req h2 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
[ "$(mhd h2)" = 505 ] || fail "HTTP/2 preface: $(mhd h2)"
req http09 'GET /healthz\r\n\r\n'
code=$(mhd http09); [ "$code" = 505 ] || fail "HTTP/0.9: '$code'"
req http10 'GET /healthz HTTP/1.0\r\n\r\n'
[ "$(raw http10)" = 200 ] || fail "HTTP/1.0: $(raw http10)"
still_serves "wrong methods and paths"
pass "wrong methods 405 (JSON), unknown and tricky paths 404, HTTP/2 505, HTTP/1.0 served"

# --- garbage bytes ---------------------------------------------------------------
for i in 1 2 3 4 5; do
  head -c 4096 /dev/urandom >"$TEST_DIR/garbage.req"
  code=$(mhd garbage 4000)
  [ -z "$code" ] || [ "$code" = 400 ] || fail "garbage $i: '$code'"
  grep -q 'closed_by_server=1' "$TEST_DIR/garbage.info" || fail "garbage $i: connection kept open"
done
printf '\x00\x00\x00\x00\r\n\r\n' >"$TEST_DIR/nul.req"
code=$(mhd nul 4000); [ -z "$code" ] || [ "$code" = 400 ] || fail "NUL bytes: $code"
grep -q 'closed_by_server=1' "$TEST_DIR/nul.info" || fail "NUL bytes: connection kept open"
{ printf 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 432\r\n\r\n'
  head -c 432 /dev/urandom; } >"$TEST_DIR/random-report.req"
[ "$(raw random-report)" = 403 ] || fail "random REPORT: $(raw random-report)"
still_serves "garbage"
pass "garbage bytes: 400 or closed; random REPORT 403"

# --- pipelined requests: answered in order ---------------------------------------
{ printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'
  printf 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 432\r\n\r\n'
  cat "$TEST_DIR/good.report"
  printf 'GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n'
  printf 'POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc'
  printf 'GET /v1/target-info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'; } >"$TEST_DIR/pipe.req"
codes=$(raw pipe)
[ "$codes" = "200 200 404 400 200" ] || fail "pipelined: got '$codes', expected '200 200 404 400 200'"
lengths=$(grep -ai '^content-length:' "$TEST_DIR/pipe.resp" | awk '{print $2}' | tr -d '\r' | tr '\n' ' ')
set -- $lengths
[ "$1" = 3 ] && [ "$2" = 520 ] && [ "$5" = 512 ] || fail "pipelined lengths: $lengths"
grep -q 'closed_by_server=1' "$TEST_DIR/pipe.info" || fail "pipelined: Connection: close ignored"
still_serves "pipelining"
pass "5 pipelined requests in one write answered in order (200 200 404 400 200)"

# --- rapid connect/disconnect ----------------------------------------------------
"$RAW" churn "$port" 3000 >"$TEST_DIR/churn" || fail "churn tool"
grep -q 'failed=0' "$TEST_DIR/churn" || fail "churn: $(cat "$TEST_DIR/churn")"
sleep 0.5
open=$(curl -s "http://$LAS_ADDR/metrics" | awk '/^las_http_connections_open / {print $2}')
[ "$open" -le 2 ] || fail "after churn, $open connections still open (closes were missed)"
still_serves "3000 rapid connect/disconnects"
pass "3000 rapid connect/disconnects (close, RST, half a request): none refused, none left open"

# --- idle and slow connections up to and beyond the limit ------------------------
# hold_case MODE: 12 connections (limit 8) held 6 s. Once the held ones have
# waited 1 s for their request, each newcomer (the 4 beyond the limit, then an
# honest client) makes LAS close the one that has waited longest; the rest
# are closed by the 2 s timeouts.
hold_case() {
  local mode=$1 code
  "$RAW" hold "$port" 12 6 "$mode" >"$TEST_DIR/hold.$mode" &
  local hold=$!
  sleep 0.7
  code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$LAS_ADDR/healthz") || true
  [ "$code" = 200 ] || fail "$mode: an honest client got '$code' while 12 connections held 8 slots"
  still_serves "$mode connections beyond the limit"
  wait "$hold"
  read -r opened closed first <<<"$(sed 's/[a-z_]*=//g' "$TEST_DIR/hold.$mode")"
  [ "$opened" = 12 ] || fail "$mode: opened $opened"
  [ "$closed" -ge 8 ] || fail "$mode: only $closed of the held connections were closed by LAS"
  [ "$first" -ge 800 ] && [ "$first" -le 4500 ] || fail "$mode: first close after $first ms"
  pass "$mode connections beyond the limit: the longest-waiting make room after 1 s ($first ms), an honest client is served"
}
hold_case idle
hold_case slow
# Trickling one byte every 0.3 s never trips the inactivity timeout; the
# whole-request deadline (--request-timeout 2) closes them all.
"$RAW" hold "$port" 6 4 trickle >"$TEST_DIR/hold.trickle"
read -r opened closed first <<<"$(sed 's/[a-z_]*=//g' "$TEST_DIR/hold.trickle")"
[ "$opened" = 6 ] && [ "$closed" = 6 ] || fail "trickle: $closed of $opened closed by LAS within 4 s"
[ "$first" -ge 1800 ] && [ "$first" -le 3500 ] || fail "trickle: first close after $first ms"
still_serves "trickling connections"
pass "trickling connections (a byte every 0.3 s): closed by the 2 s request deadline ($first ms)"
timeouts=$(curl -s "http://$LAS_ADDR/metrics" |
  awk '/^las_http_connections_closed_total\{reason="request_timeout"\}/ {print $2}')
[ "${timeouts:-0}" -ge 6 ] || fail "metrics: request_timeout closes = '$timeouts'"
pass "metrics count the deadline's closes ($timeouts)"

stop_las "$LAS_PID"
pass "LAS shuts down cleanly after the abuse (exit 0)"

# --- the connection limit follows the descriptor limit ----------------------------
# under SOFT HARD ARGS...: runs las serve with those descriptor limits (a wrapper).
under() {
  local soft=$1 hard=$2 wrapper="$TEST_DIR/las-nofile-$1-$2"
  shift 2
  printf '#!/usr/bin/env bash\nulimit -Sn %s && ulimit -Hn %s && exec "%s" "$@"\n' \
    "$soft" "$hard" "$LAS_BIN" >"$wrapper"
  chmod +x "$wrapper"
  LAS_BIN=$wrapper start_las "nofile-$soft-$hard" "$TEST_DIR/state-nofile" --threads 2 "$@"
}
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 5000 ]; then
  [ "$hard" = unlimited ] && hard=1048576
  under 1024 "$hard"
  want=$((hard < 65536 ? hard : 65536))
  soft=$(awk '/^Max open files/ {print $4}' "/proc/$LAS_PID/limits")
  [ "$soft" = "$want" ] || fail "soft descriptor limit $soft after start, expected it raised to $want"
  grep -q "connections: at most 4096 (file descriptor limit $want)" "$LAS_LOG" ||
    fail "default --max-connections: $(grep 'at most' "$LAS_LOG")"
  stop_las "$LAS_PID"
  pass "LAS raises its soft descriptor limit 1024 to $want and allows 4096 connections"
else
  echo "note: hard descriptor limit $hard: the raise from 1024 is not checked here"
fi
under 300 300
grep -q "connections: at most 232 (file descriptor limit 300)" "$LAS_LOG" ||
  fail "with 300 descriptors: $(grep 'at most' "$LAS_LOG")"
grep -q "allows only 232 connections" "$LAS_LOG" || fail "no warning about the low descriptor limit"
stop_las "$LAS_PID"
printf '#!/usr/bin/env bash\nulimit -n 300 && exec "%s" "$@"\n' "$LAS_BIN" >"$TEST_DIR/las-300"
chmod +x "$TEST_DIR/las-300"
rc=0
"$TEST_DIR/las-300" serve --mode sim --listen 127.0.0.1:0 --state-dir "$TEST_DIR/state-nofile" \
  --threads 2 --max-connections 1000 >"$TEST_DIR/too-many.log" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "--max-connections 1000 with 300 descriptors: exit $rc, expected 3"
grep -q -- "--max-connections 1000 needs 1068 file descriptors, but the limit is 300" \
  "$TEST_DIR/too-many.log" || fail "no clear message: $(tail -n 2 "$TEST_DIR/too-many.log")"
pass "with 300 descriptors: 232 connections by default (and a warning); --max-connections 1000 refused (exit 3)"
