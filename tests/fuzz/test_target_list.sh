#!/usr/bin/env bash
# The target list that the configure step writes for scripts/fuzz names each
# fuzz_<name>.c of the source directory exactly once, and nothing else, so
# that no fuzzer is silently left out of CI.
#   test_target_list.sh SOURCE_DIR TARGETS_FILE
set -euo pipefail
src=$1
list=$2
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ -s "$list" ] || fail "$list is missing or empty"
read -r -a listed <"$list"
[ ${#listed[@]} -gt 0 ] || fail "$list names no target"
want=$(for f in "$src"/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done | sort)
got=$(printf '%s\n' "${listed[@]}" | sort)
[ "$want" = "$got" ] || fail "targets differ from the sources: $(diff <(echo "$want") <(echo "$got") | tr '\n' ' ')"
[ "$(printf '%s\n' "${listed[@]}" | sort -u | wc -l)" -eq ${#listed[@]} ] || fail "a target is listed twice"
echo "PASS: $list names the ${#listed[@]} fuzz targets of $src"
