#!/usr/bin/env bash
# ./scripts/test prints, after CTest's summary, each skipped test with its
# reason (issue 17.4), through scripts/lib/skip-reasons. Here it reads a real
# CTest run of a small project of its own: two tests that skip (one with a
# "SKIP:" line, one without), one that passes, one that is disabled.
source "$(dirname "$0")/../deploy/lib.sh"
command -v cmake >/dev/null && command -v ctest >/dev/null || skip "cmake/ctest are not installed"
proj=$TEST_DIR/proj
mkdir -p "$proj"
cat >"$proj/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(skips NONE)
enable_testing()
add_test(NAME t.skip_reason COMMAND sh -c "echo preparing; echo 'SKIP: ../shared/testdata is absent' >&2; exit 77")
add_test(NAME t.pass COMMAND sh -c "echo 'SKIP: not really: this test passes'; exit 0")
add_test(NAME t.skip_plain COMMAND sh -c "echo first; echo 'no podman here'; exit 77")
add_test(NAME t.disabled COMMAND true)
set_tests_properties(t.skip_reason t.skip_plain PROPERTIES SKIP_RETURN_CODE 77)
set_tests_properties(t.disabled PROPERTIES DISABLED TRUE)
CMAKE
cmake -S "$proj" -B "$proj/b" >/dev/null || fail "cmake failed"
ctest --test-dir "$proj/b" -j2 >"$TEST_DIR/ctest.txt" 2>&1 || fail "ctest failed: $(cat "$TEST_DIR/ctest.txt")"
expect_rc 0 "$LAS_SOURCE_DIR/scripts/lib/skip-reasons" "$TEST_DIR/ctest.txt" "$proj/b/Testing/Temporary/LastTest.log"
cat "$TEST_DIR/out"
grep -qxF 'Skipped tests and why (2):' "$TEST_DIR/out" || fail "no heading with the count"
grep -qxF '  t.skip_reason: ../shared/testdata is absent' "$TEST_DIR/out" || fail "the SKIP: reason is missing"
grep -qxF '  t.skip_plain: no podman here' "$TEST_DIR/out" || fail "the last line as reason is missing"
if grep -q 't.pass\|t.disabled' "$TEST_DIR/out"; then fail "a test that did not skip is listed"; fi
pass "skip-reasons lists each skipped test with its reason, and nothing else"

# No skipped test: nothing printed.
printf '100%% tests passed, 0 tests failed out of 3\n' >"$TEST_DIR/none.txt"
expect_rc 0 "$LAS_SOURCE_DIR/scripts/lib/skip-reasons" "$TEST_DIR/none.txt" "$proj/b/Testing/Temporary/LastTest.log"
[ ! -s "$TEST_DIR/out" ] || fail "printed '$(cat "$TEST_DIR/out")' without a skipped test"
grep -q 'scripts/lib/skip-reasons' "$LAS_SOURCE_DIR/scripts/test" || fail "scripts/test does not print the skip reasons"
pass "without a skipped test nothing is printed; scripts/test calls it after CTest"
echo "skip-reasons: all checks passed"
