#!/usr/bin/env bash
# The abuse run of issue 12 as a test (CTest bench.abuse; the benchmark with
# its figures is `las-bench --abuse-*`, bench/README.md). It asserts
# behaviour, never timings:
# 1. While 1,100 slow connections (a byte every 5 s) and 3,000 idle ones from
#    16 source addresses hang on LAS (default limits: 4096 connections, 64
#    per peer), every one of a legitimate client's attestations, each on a
#    new connection, is answered with a correct quote (5 s timeout each);
#    LAS turned attacker connections away with 503s (the per-peer limit).
#    Before the limits, the attackers held every slot and legitimate clients
#    timed out.
# 2. Connections that trickle bytes but never finish a request are closed by
#    the whole-request deadline (--request-timeout 2), although the
#    inactivity timeout (30 s) never fires for them.
set -euo pipefail
: "${LAS_BIN:?LAS_BIN must point to the las binary}"
: "${LAS_BENCH:?LAS_BENCH must point to the las-bench binary}"
dir=$(mktemp -d /tmp/las-abuse-XXXXXX)
trap 'rm -rf "$dir"' EXIT

fail() {
  echo "FAIL: $*" >&2
  [ -f "$dir/las.log" ] && tail -n 20 "$dir/las.log" >&2
  exit 1
}
# field FILE NAME: a number from las-bench's JSON output.
field() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1"; }

need=$((4100 + 200))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$need" ]; then
  echo "SKIP: the hard descriptor limit $(ulimit -Hn) is below the $need this test needs" >&2
  exit 77
fi

rc=0
"$LAS_BENCH" --spawn "$LAS_BIN" --las-log "$dir/las.log" --connect-each --clients 2 \
  --duration 6 --warmup 10 --startup-runs 0 --sign-iterations 100 --timeout-ms 5000 \
  --abuse-idle 3000 --abuse-slow 1100 --abuse-sources 16 --abuse-settle 3 --json \
  >"$dir/abuse.json" || rc=$?
cat "$dir/abuse.json"
[ "$rc" -eq 0 ] || fail "las-bench exited $rc: a legitimate attestation failed under abuse"
n=$(field "$dir/abuse.json" attestations)
[ "$(field "$dir/abuse.json" errors)" = 0 ] && [ "${n:-0}" -ge 20 ] ||
  fail "expected at least 20 legitimate attestations, all answered"
refused=$(field "$dir/abuse.json" refused_503)
[ "${refused:-0}" -ge 1 ] || fail "no attacker connection was refused with a 503"
echo "ok: $n legitimate attestations on new connections, all answered, while 4,100 attacker connections were kept trying (at most 64 per source held, $refused refused with 503)"

rc=0
"$LAS_BENCH" --spawn "$LAS_BIN" --las-log "$dir/las.log" --serve-arg=--request-timeout \
  --serve-arg=2 --clients 1 --duration 5 --warmup 10 --startup-runs 0 --sign-iterations 100 \
  --abuse-slow 40 --abuse-trickle 1 --abuse-sources 1 --abuse-settle 0 --json \
  >"$dir/slow.json" || rc=$?
cat "$dir/slow.json"
[ "$rc" -eq 0 ] || fail "las-bench exited $rc"
closed=$(field "$dir/slow.json" closed_by_las)
[ "$(field "$dir/slow.json" refused_503)" = 0 ] || fail "slow connections were refused, not timed out"
[ "${closed:-0}" -ge 40 ] || fail "only ${closed:-0} of 40 trickling connections were closed in 5 s"
echo "ok: connections trickling a byte a second are closed by the 2 s request deadline ($closed closes)"
