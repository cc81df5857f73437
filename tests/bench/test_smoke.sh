#!/usr/bin/env bash
# CI smoke run of the benchmark (CTest label "bench"); no timing assertions.
# 1. A short las-bench run against a LAS it starts ends without errors, every
#    quote's signature checked.
#    LAS runs two HTTP worker threads and each does a fair part of the work
#    (each new connection goes to the worker with the fewest, not to
#    whichever wakes first: src/daemon/acceptor.h).
# 2. A run whose REPORTs come from another simulated CPU counts every refused
#    attestation as an error and exits 1, so check 1 can fail.
# 3. las-floor (the least possible server) completes its exchanges over TCP
#    and a Unix socket without errors; both tools refuse a bad value clearly.
set -euo pipefail
: "${LAS_BIN:?LAS_BIN must point to the las binary}"
: "${LAS_BENCH:?LAS_BENCH must point to the las-bench binary}"
dir=$(mktemp -d /tmp/las-bench-smoke-XXXXXX)
trap 'rm -rf "$dir"' EXIT

fail() {
  echo "FAIL: $*" >&2
  [ -f "$dir/las.log" ] && tail -n 20 "$dir/las.log" >&2
  exit 1
}

rc=0
"$LAS_BENCH" --spawn "$LAS_BIN" --las-log "$dir/las.log" --requests 2000 --warmup 100 \
  --clients 4 --startup-runs 1 --sign-iterations 1000 --verify --json \
  --serve-arg=--threads --serve-arg=2 >"$dir/ok.json" || rc=$?
cat "$dir/ok.json"
[ "$rc" -eq 0 ] || fail "las-bench exited $rc"
grep -q '"attestations":2000,"errors":0,' "$dir/ok.json" || fail "expected 2000 attestations, 0 errors"
echo "ok: 2000 attestations, 0 errors"
shares=$(sed -n 's/.*"worker_cpu_share":\[\([^]]*\)\].*/\1/p' "$dir/ok.json")
[ -n "$shares" ] || fail "no worker_cpu_share in the output"
IFS=, read -r -a share <<<"$shares"
[ "${#share[@]}" -eq 2 ] || fail "expected 2 worker threads, saw ${#share[@]} ($shares)"
for s in "${share[@]}"; do
  awk -v s="$s" 'BEGIN { exit !(s >= 0.15) }' || fail "a worker did $s of the work ($shares): connections not spread"
done
echo "ok: both workers served ($shares)"

rc=0
"$LAS_BENCH" --spawn "$LAS_BIN" --las-log "$dir/las.log" --report-state-dir "$dir/other-cpu" \
  --requests 200 --warmup 0 --clients 2 --startup-runs 0 --sign-iterations 100 \
  --json >"$dir/bad.json" || rc=$?
cat "$dir/bad.json"
[ "$rc" -eq 1 ] || fail "with foreign REPORTs las-bench exited $rc, expected 1"
grep -q '"attestations":200,"errors":200,' "$dir/bad.json" || fail "expected 200 errors"
grep -q 'report_mac_invalid' "$dir/bad.json" || fail "expected report_mac_invalid"
echo "ok: foreign REPORTs are counted as errors"

: "${LAS_FLOOR:?LAS_FLOOR must point to the las-floor binary}"
for transport in "" --unix; do
  rc=0
  "$LAS_FLOOR" --clients 4 --requests 2000 --warmup 100 --sign-iterations 100 --json $transport \
    >"$dir/floor.json" || rc=$?
  cat "$dir/floor.json"
  [ "$rc" -eq 0 ] || fail "las-floor $transport exited $rc"
  grep -q '"requests":2000,"errors":0,' "$dir/floor.json" || fail "las-floor $transport: expected 0 errors"
done
rc=0
"$LAS_FLOOR" --clients 0 2>"$dir/usage.txt" || rc=$?
[ "$rc" -eq 2 ] && grep -q "invalid value '0' for --clients" "$dir/usage.txt" ||
  fail "las-floor --clients 0: exit $rc, expected 2 with a clear message"
echo "ok: las-floor"

rc=0
"$LAS_BENCH" --clients x 2>"$dir/usage.txt" || rc=$?
[ "$rc" -eq 2 ] && grep -q "invalid value 'x' for --clients" "$dir/usage.txt" ||
  fail "las-bench --clients x: exit $rc, expected 2 with a clear message"
echo "ok: las-bench refuses a bad value clearly"
