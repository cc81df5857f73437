#!/usr/bin/env bash
# callgrind.sh NAME PORT N -- server command...: callgrind on the server, counts zeroed after warm-up, N requests
# REPORT: a valid REPORT for that LAS (las-bench --save-report); OUT: where outputs go (default /tmp)
set -eu
name=$1 port=$2 n=$3; shift 4
out=${OUT:-/tmp}/cg.$name.out
rm -f $out*
nice -n 19 valgrind --tool=callgrind --callgrind-out-file=$out "$@" >${OUT:-/tmp}/cg.$name.log 2>&1 &
vpid=$!
for i in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:$port/ && break; sleep 0.2; done
nice -n 19 python3 "$(dirname "$0")/post.py" $port "$REPORT" 400 8 >/dev/null
callgrind_control -z $vpid >/dev/null
nice -n 19 python3 "$(dirname "$0")/post.py" $port "$REPORT" $n 8
callgrind_control -d $vpid >/dev/null
kill $vpid; wait $vpid || true
ls $out*
