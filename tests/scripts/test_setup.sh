#!/usr/bin/env bash
# README command 1 does what it says (issue 17.6): ./scripts/run installs
# only what building and running needs (scripts/install-deps --run: no
# podman, no clang, no test tools), builds the las command alone (no tests,
# no operator, no benchmarks, no cmocka) and runs it in sim mode. The test
# runs scripts/run itself, into a build directory of its own, and asks the
# LAS it started for its ID. ./scripts/test installs the rest (--all).
source "$(dirname "$0")/../deploy/lib.sh"
deps=$LAS_SOURCE_DIR/scripts/install-deps

expect_rc 0 "$deps" --run --list
sort "$TEST_DIR/out" >"$TEST_DIR/run.txt"
expect_rc 0 "$deps" --all --list
sort "$TEST_DIR/out" >"$TEST_DIR/all.txt"
for p in podman clang libclang-rt-14-dev libcmocka-dev jq yq unzip zip; do
  grep -qxF "$p" "$TEST_DIR/run.txt" && fail "install-deps --run installs $p, which running LAS does not need"
  grep -qxF "$p" "$TEST_DIR/all.txt" || fail "install-deps --all lacks $p"
done
for p in build-essential cmake pkg-config libssl-dev libsodium-dev nettle-dev libmicrohttpd-dev libhttp-parser-dev \
  libcurl4-openssl-dev libjansson-dev libyaml-dev; do
  grep -qxF "$p" "$TEST_DIR/run.txt" || fail "install-deps --run lacks $p, which building las needs"
done
[ -z "$(comm -23 "$TEST_DIR/run.txt" "$TEST_DIR/all.txt")" ] || fail "--run is not a part of --all"
expect_rc 0 "$deps" --list
cmp -s <(sort "$TEST_DIR/out") "$TEST_DIR/all.txt" || fail "install-deps without a set is not --all"
expect_rc 2 "$deps" --bogus
expect_output "unknown argument '--bogus'"
grep -q 'scripts/build --only-las' "$LAS_SOURCE_DIR/scripts/run" || fail "scripts/run does not build with --only-las"
grep -q 'scripts/install-deps --run' "$LAS_SOURCE_DIR/scripts/build" || fail "scripts/build --only-las does not use install-deps --run"
pass "install-deps: --run has the build and run packages only, --all the rest"

# scripts/run for real: build, start, answer.
build=$TEST_DIR/build
export LAS_BUILD_DIR=$build
: >"$TEST_DIR/run.log"
"$LAS_SOURCE_DIR/scripts/run" --listen 127.0.0.1:0 --state-dir "$TEST_DIR/state" >"$TEST_DIR/run.log" 2>&1 &
pid=$!
CLEANUP_CMDS+=("kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null")
port=""
for _ in $(seq 1 1800); do
  port=$(sed -n 's/.*listening on .* (port \([0-9]*\)); ready.*/\1/p' "$TEST_DIR/run.log" | tail -n 1)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$TEST_DIR/run.log" >&2; fail "scripts/run exited"; }
  sleep 0.1
done
[ -n "$port" ] || { tail -n 30 "$TEST_DIR/run.log" >&2; fail "scripts/run did not start LAS"; }
grep -q 'mode sim' "$TEST_DIR/run.log" || fail "scripts/run did not start sim mode: $(grep -m1 mode "$TEST_DIR/run.log")"
expect_rc 0 "$build/las" id --las "127.0.0.1:$port"
grep -qE '^[0-9A-F]{64}$' "$TEST_DIR/out" || fail "las id printed '$(cat "$TEST_DIR/out")'"
kill -TERM "$pid"
wait "$pid" || fail "LAS started by scripts/run did not stop cleanly on SIGTERM"
pass "scripts/run built las and ran it in sim mode (platform ID $(cat "$TEST_DIR/out"))"

# What it built: las, and nothing of the tests, the operator or the benchmarks.
for f in las-operator las-bench las-floor verify-quote tests/test_buf tests/las_test_report; do
  [ ! -e "$build/$f" ] || fail "scripts/run built $f"
done
grep -qx 'LAS_BUILD_TESTS:BOOL=OFF' "$build/CMakeCache.txt" || fail "the tests were configured"
if grep -qi cmocka "$build/CMakeCache.txt"; then fail "configuring for scripts/run looked for cmocka"; fi
pass "scripts/run built the las command alone, without the tests (no cmocka)"
echo "setup: all checks passed"
