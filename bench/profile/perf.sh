#!/usr/bin/env bash
# perf.sh NAME PORT SECONDS -- server...: where the server's CPU goes, kernel included.
# Starts the server, drives it with wrk (-t8 -c8, one valid REPORT, as bench/wrk-check) for
# SECONDS while `perf record -e cpu-clock` samples it (a software clock: this machine has no
# hardware counters), then prints each shared object's share of the samples and that share
# per libsodium share. Every server here makes exactly one Ed25519 signature per request, so
# "per signature" compares servers request for request without counting requests.
# Also prints context switches per request (perf stat), i.e. how often a worker slept.
# REPORT: a valid REPORT for that LAS (las-bench --save-report; read by bench/wrk-post.lua);
# OUT: where outputs go (/tmp). Exit 3 when a tool is missing or the server does not start.
set -eu
name=$1 port=$2 seconds=$3
shift 4
out=${OUT:-/tmp}
lua=$(dirname "$0")/../wrk-post.lua
[ -r "${REPORT:-}" ] || { echo "perf.sh: REPORT must name a REPORT file (las-bench --save-report)" >&2; exit 3; }
command -v wrk >/dev/null || { echo "perf.sh: wrk is not installed (apt-get install wrk)" >&2; exit 3; }
command -v perf >/dev/null || { echo "perf.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 3; }
"$@" >"$out/perf.$name.log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null || true' EXIT
up=0
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && up=1 && break; sleep 0.1; done
[ $up = 1 ] || { echo "perf.sh: the server did not answer on port $port ($out/perf.$name.log)" >&2; exit 3; }
url="http://127.0.0.1:$port/v1/quote"
wrk -t8 -c8 -d2s -s "$lua" "$url" >/dev/null # warm-up
perf record -q -e cpu-clock -F 4000 -p "$spid" -o "$out/perf.$name.data" -- sleep "$seconds" &
ppid=$!
wrk -t8 -c8 -d"${seconds}s" -s "$lua" "$url" >"$out/perf.$name.wrk"
wait $ppid
perf stat -x, -e context-switches -p "$spid" -o "$out/perf.$name.stat" -- sleep "$seconds" &
ppid=$!
wrk -t8 -c8 -d"${seconds}s" -s "$lua" "$url" >"$out/perf.$name.wrk2"
wait $ppid
perf report -i "$out/perf.$name.data" --no-children --sort dso 2>/dev/null | awk '
  /^ *[0-9.]+%/ { p = $1; sub("%", "", p); o = $2; share[o] = p; if (o ~ /libsodium/) sig = p }
  END { for (o in share) printf "%7.2f%%  %6.3f per signature  %s\n", share[o], sig ? share[o] / sig : 0, o }' |
  sort -rn
n=$(awk '/requests in/ {print $1}' "$out/perf.$name.wrk2")
awk -F, -v n="$n" '/context-switches/ { printf "context switches: %.3f per request\n", $1 / n }' "$out/perf.$name.stat"
