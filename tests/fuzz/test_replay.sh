#!/usr/bin/env bash
# The fuzz replay fails, not passes, when a directory it is told to replay is
# missing, or when no input is found at all; only a path after --optional may
# be absent.
#   test_replay.sh REPLAY_BINARY CORPUS_DIR
set -euo pipefail
replay=$1
corpus=$2
TEST_DIR=$(mktemp -d)
trap 'rm -rf "$TEST_DIR"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# shellcheck source=../common.sh
. "$(dirname "$0")/../common.sh"

expect_rc 0 "$replay" "$corpus"
grep -q 'inputs, no crash' "$TEST_DIR/out" || fail "the corpus was not replayed"
pass "the corpus replays"

expect_rc 1 "$replay" "$TEST_DIR/no-corpus"
grep -q "$TEST_DIR/no-corpus is missing" "$TEST_DIR/err" || fail "no message for a missing corpus"
pass "a missing corpus directory fails"

expect_rc 1 "$replay" "$corpus" "$TEST_DIR/no-regressions"
grep -q "$TEST_DIR/no-regressions is missing" "$TEST_DIR/err" ||
  fail "no message for a missing regressions directory"
pass "a missing regressions directory fails, even after a good corpus"

mkdir "$TEST_DIR/empty"
touch "$TEST_DIR/empty/.gitkeep"
expect_rc 1 "$replay" "$TEST_DIR/empty"
pass "a directory without inputs fails"

expect_rc 0 "$replay" "$corpus" --optional "$TEST_DIR/no-shared"
grep -q "optional $TEST_DIR/no-shared is absent" "$TEST_DIR/err" ||
  fail "an absent optional path is not said"
pass "an absent optional path is said, not failed"
