#!/usr/bin/env bash
# by-object.sh FILE N: self instructions per request by shared object
f=$1 n=$2
callgrind_annotate --threshold=100 --inclusive=no "$f" 2>/dev/null | grep -v -E ':(clone|start_thread|clone3) \[' | awk -v n=$n '
  /^ *[0-9,]+ .*\[.*\]$/ { c=$1; gsub(",","",c); o=$NF; gsub(/[\[\]]/,"",o); sub(/.*\//,"",o); s[o]+=c; t+=c }
  END { for (o in s) printf "%10.0f  %5.1f%%  %s\n", s[o]/n, 100*s[o]/t, o; printf "%10.0f  total\n", t/n }' | sort -rn
