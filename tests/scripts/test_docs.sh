#!/usr/bin/env bash
# Docs that must agree with what they describe (issue 17.4): every option of
# scripts/las-init and scripts/get-platform-ids is documented, the pod
# selector in docs/deploy.md is the one NOTES.txt prints, the README says
# that tests skip without ../shared, and LICENSE is the license that every
# SPDX header names.
source "$(dirname "$0")/../deploy/lib.sh"
src=$LAS_SOURCE_DIR

expect_rc 0 "$src/scripts/las-init" --help
for opt in $(grep -oE -- '--[a-z][a-z-]+' "$TEST_DIR/out" | sort -u); do
  grep -qF -- "\`$opt" "$src/docs/deploy.md" || fail "docs/deploy.md does not document las-init $opt"
done
expect_rc 0 "$src/scripts/get-platform-ids" --help
for opt in $(grep -oE -- '--[a-z][a-z-]+' "$TEST_DIR/out" | sort -u); do
  case $opt in --allow-simulation | --las-mrsigner) continue ;; esac # las verify-evidence's, in the examples
  # grep reads the files itself: `cat | grep -q` fails under pipefail when
  # grep stops at its first match and cat gets SIGPIPE.
  grep -qF -- "$opt" "$src/docs/deploy.md" "$src/docs/evidence.md" ||
    fail "docs/deploy.md and docs/evidence.md do not document get-platform-ids $opt"
done
pass "every option of las-init and get-platform-ids is documented"

# NOTES.txt's selector, with the chart's name and release "las", is the one in the docs.
notes=$(sed -e 's/{{ include "las.name" \. }}/las/g' -e 's/{{ \.Release\.Name }}/las/g' \
  "$src/deploy/helm/las/templates/NOTES.txt" | grep -oE -- '-l app\.kubernetes\.io/[^ ]+' | sort -u)
[ -n "$notes" ] || fail "no pod selector found in NOTES.txt"
[ "$(wc -l <<<"$notes")" -eq 1 ] || fail "NOTES.txt uses more than one selector: $notes"
want=$notes
grep -qF -- "kubectl -n las get pods $want " "$src/docs/deploy.md" ||
  fail "docs/deploy.md does not select pods as NOTES.txt does ($want)"
pass "docs/deploy.md selects the pods as NOTES.txt does: $want"

readme=$(tr -s '\n ' '  ' <"$src/README.md")
grep -qF 'in `../shared`' <<<"$readme" && grep -qF 'are **skipped, visibly**' <<<"$readme" ||
  fail "README.md does not say that tests skip without ../shared"
pass "README.md says which tests skip without ../shared, and how"

[ -f "$src/LICENSE" ] || fail "no LICENSE at the top of the repository"
head -n 4 "$src/LICENSE" | grep -q 'Apache License' && head -n 4 "$src/LICENSE" | grep -q 'Version 2.0, January 2004' ||
  fail "LICENSE is not the Apache License 2.0"
if [ -f /usr/share/common-licenses/Apache-2.0 ]; then
  cmp -s "$src/LICENSE" /usr/share/common-licenses/Apache-2.0 || fail "LICENSE differs from the Apache-2.0 text"
fi
# Header lines only (a comment that starts with the tag), not a test that
# searches for the tag.
others=$(grep -rhE '^[[:space:]]*(/\*|#|//) *SPDX-License-Identifier:' "$src/src" "$src/include" "$src/tests" \
  "$src/bench" "$src/examples" | sed 's/.*SPDX-License-Identifier: *\([A-Za-z0-9.+-]*\).*/\1/' | sort -u)
[ "$others" = Apache-2.0 ] || fail "SPDX headers name: $others"
missing=$(find "$src/src" "$src/include" "$src/examples" -name '*.[ch]' -exec grep -L 'SPDX-License-Identifier' {} + || true)
[ -z "$missing" ] || fail "C files without an SPDX header: $missing"
pass "LICENSE is the Apache License 2.0 that every SPDX header names"
echo "docs: all checks passed"
