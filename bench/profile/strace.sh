#!/usr/bin/env bash
# strace.sh NAME PORT N -- server...: strace -c -f of the server over N requests (after warm-up, by attaching)
# REPORT: a valid REPORT for that LAS (las-bench --save-report); OUT: where outputs go (default /tmp)
set -eu
name=$1 port=$2 n=$3; shift 4
"$@" >${OUT:-/tmp}/st.$name.log 2>&1 &
spid=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/ && break; sleep 0.1; done
python3 "$(dirname "$0")/post.py" $port "$REPORT" 400 8 >/dev/null
strace -c -f -p $spid -o ${OUT:-/tmp}/st.$name.txt & tpid=$!
sleep 1
python3 "$(dirname "$0")/post.py" $port "$REPORT" $n 8
sleep 0.5; kill -INT $tpid; wait $tpid || true
kill $spid; wait $spid || true
awk -v n=$n 'NR>2 && $NF !~ /total|^-/ { printf "%-16s %8.3f per request\n", $NF, $4/n }' ${OUT:-/tmp}/st.$name.txt
