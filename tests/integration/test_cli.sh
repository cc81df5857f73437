#!/usr/bin/env bash
# The las command as a user meets it: what it links, its usage errors and
# help texts, and errors that say what to do (issue 17, point 5).
source "$(dirname "$0")/lib.sh"

# --- the daemon maps no libcurl -------------------------------------------
# libcurl is loaded by the client commands at their first request
# (src/client/curl_api.h); linked, it would bring Debian's LDAP, Kerberos and
# RTMP libraries into every `las serve`.
command -v ldd >/dev/null || { echo "SKIP: no ldd" >&2; exit 77; }
ldd "$LAS_BIN" >"$TEST_DIR/ldd" || fail "ldd $LAS_BIN"
if grep -E 'lib(curl|ldap|lber|gssapi|krb5|rtmp|ssh2)' "$TEST_DIR/ldd"; then
  fail "$LAS_BIN links libcurl or its LDAP/Kerberos/RTMP/SSH libraries again"
fi
state="$TEST_DIR/state"
start_las main "$state"
grep -E 'lib(curl|ldap|gssapi|rtmp)' "/proc/$LAS_PID/maps" &&
  fail "las serve mapped libcurl or its dependencies"
expect_rc 0 "$LAS_BIN" id --las "$LAS_ADDR"
grep -Eq '^[0-9A-F]{64}$' "$TEST_DIR/out" || fail "las id printed: $(cat "$TEST_DIR/out")"
pass "las links no libcurl, LDAP, Kerberos or RTMP; las serve maps none; las id loads libcurl and works"

# --- --las HOST:PORT --------------------------------------------------------
# Every command that takes an address: one without a port, or with anything
# after it, is a usage error naming the expected form (libcurl would take
# port 80, or print its own text with exit 3).
for bad in 127.0.0.1 127.0.0.1:80x 'host:' ':18766' 127.0.0.1:0 127.0.0.1:65536 '[::1]' \
  'http://127.0.0.1:18766' '127.0.0.1:18766/v1'; do
  for cmd in id attest evidence platform-ids; do
    expect_rc 2 "$LAS_BIN" $cmd --las "$bad"
    grep -qF "invalid LAS address '$bad' (--las): expected HOST:PORT" "$TEST_DIR/err" ||
      fail "las $cmd --las '$bad': $(cat "$TEST_DIR/err")"
  done
done
LAS_ADDR=10.0.0.5 expect_rc 2 "$LAS_BIN" id
grep -qF "'10.0.0.5' (from \$LAS_ADDR): expected HOST:PORT" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
echo "$LAS_ADDR nohost" >"$TEST_DIR/addrs"
expect_rc 2 "$LAS_BIN" platform-ids --file "$TEST_DIR/addrs"
grep -qF "'nohost' ($TEST_DIR/addrs): expected HOST:PORT" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
[ ! -s "$TEST_DIR/out" ] || fail "platform-ids printed with a bad address: $(cat "$TEST_DIR/out")"
expect_rc 0 "$LAS_BIN" id --las "localhost:${LAS_ADDR##*:}"
pass "--las without a port or with garbage after it: exit 2, naming HOST:PORT and the source (id, attest, evidence, platform-ids)"

# --- every command's --help, with its exit codes ------------------------------
cmds=$("$LAS_BIN" --help | awk '/^Commands:/ {on = 1; next} on && /^$/ {exit} on {print $1}')
[ "$(wc -w <<<"$cmds")" -ge 10 ] || fail "las --help lists only: $cmds"
for cmd in $cmds; do
  expect_rc 0 "$LAS_BIN" "$cmd" --help
  grep -q "^usage: las $cmd" "$TEST_DIR/out" || fail "las $cmd --help has no usage line: $(head -n 2 "$TEST_DIR/out")"
  grep -q "Exit codes" "$TEST_DIR/out" || fail "las $cmd --help lists no exit codes"
  grep -Eq '(^| )2 +usage error|2 usage error' "$TEST_DIR/out" || fail "las $cmd --help does not say what exit 2 means"
done
expect_rc 2 "$LAS_BIN" version extra
pass "las COMMAND --help for all of: $(tr '\n' ' ' <<<"$cmds")- each with its exit codes"

# --- a simulation refusal names the flag that tolerates it ---------------------
expect_rc 0 "$LAS_BIN" attest --las "$LAS_ADDR" --state-dir "$state" --out "$TEST_DIR/q.bin"
expect_rc 0 "$LAS_BIN" evidence --las "$LAS_ADDR" --out "$TEST_DIR/ev.json"
id=$("$LAS_BIN" id --las "$LAS_ADDR")
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --platform "$id"
grep -q '^REFUSED (simulation): .*--allow-simulation' "$TEST_DIR/out" || fail "verify: $(tail -n 1 "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/q.bin" --evidence "$TEST_DIR/ev.json"
grep -q '^REFUSED (evidence): .*simulat.*--allow-simulation' "$TEST_DIR/out" || fail "verify --evidence: $(tail -n 1 "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify-evidence "$TEST_DIR/ev.json"
grep -q 'simulat.*--allow-simulation' "$TEST_DIR/out" || fail "verify-evidence: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" platform-ids --las "$LAS_ADDR"
grep -q 'simulat.*--allow-simulation' "$TEST_DIR/err" || fail "platform-ids: $(cat "$TEST_DIR/err")"
pass "simulation refusals of verify, verify --evidence, verify-evidence and platform-ids name --allow-simulation"

# --- las dcap verify on LAS's own files ---------------------------------------
expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/q.bin"
grep -qF "REFUSED (quote_format): $TEST_DIR/q.bin is a LAS quote, not an Intel DCAP quote: verify it with 'las verify $TEST_DIR/q.bin" \
  "$TEST_DIR/out" || fail "dcap verify on a LAS quote: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/ev.json" --json
jq -e '.verified == false and .check == "quote_format" and (.reason | test("las verify-evidence"))' \
  "$TEST_DIR/out" >/dev/null || fail "dcap verify --json on evidence: $(cat "$TEST_DIR/out")"
# One byte more and it is no LAS quote: the DCAP parser judges it as before.
{ cat "$TEST_DIR/q.bin"; printf x; } >"$TEST_DIR/q-long.bin"
expect_rc 1 "$LAS_BIN" dcap verify "$TEST_DIR/q-long.bin"
grep -q 'LAS quote' "$TEST_DIR/out" && fail "a 521-byte file was called a LAS quote"
pass "las dcap verify on a LAS quote or evidence says what it is and which command verifies it"

# --- input files: why one cannot be read; '-' is stdin -------------------------
expect_rc 3 "$LAS_BIN" verify "$TEST_DIR/nonexistent" --platform "$id"
grep -qF "cannot read quote file $TEST_DIR/nonexistent: No such file or directory" "$TEST_DIR/err" ||
  fail "missing file: $(cat "$TEST_DIR/err")"
expect_rc 3 "$LAS_BIN" inspect "$TEST_DIR/q.bin/x"
grep -qF "cannot read file $TEST_DIR/q.bin/x: Not a directory" "$TEST_DIR/err" || fail "ENOTDIR: $(cat "$TEST_DIR/err")"
for cmd in "verify $TEST_DIR --platform $id" "verify-evidence $TEST_DIR" "inspect $TEST_DIR" "dcap verify $TEST_DIR" \
  "verify $TEST_DIR/q.bin --policy $TEST_DIR" "platform-ids --file $TEST_DIR"; do
  # shellcheck disable=SC2086 # the command's words
  expect_rc 3 "$LAS_BIN" $cmd
  grep -qF "$TEST_DIR: it is a directory, not a file" "$TEST_DIR/err" || fail "las $cmd: $(cat "$TEST_DIR/err")"
done
head -c 70000 /dev/zero >"$TEST_DIR/big"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/big" --platform "$id"
grep -qF "quote file $TEST_DIR/big is larger than 65536 bytes" "$TEST_DIR/err" || fail "oversized: $(cat "$TEST_DIR/err")"
expect_rc 1 "$LAS_BIN" verify - --platform "$id" <"$TEST_DIR/big"
grep -qF "quote file (stdin) is larger than 65536 bytes" "$TEST_DIR/err" || fail "oversized stdin: $(cat "$TEST_DIR/err")"
expect_rc 2 "$LAS_BIN" verify "$TEST_DIR/q.bin" --policy "$TEST_DIR/big"
grep -qF "policy file $TEST_DIR/big is larger than" "$TEST_DIR/err" || fail "oversized policy: $(cat "$TEST_DIR/err")"
pass "missing, unreadable, directory and oversized input files: errno text, 'a directory', the size limit"

expect_rc 0 "$LAS_BIN" verify - --platform "$id" --allow-simulation <"$TEST_DIR/q.bin"
grep -q '^OK: quote verified' "$TEST_DIR/out" || fail "verify -: $(tail -n 1 "$TEST_DIR/out")"
printf 'platforms: [%s]\nsecurity:\n  tolerate: [simulation]\n' "$id" >"$TEST_DIR/policy.yaml"
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/q.bin" --policy - <"$TEST_DIR/policy.yaml"
expect_rc 0 "$LAS_BIN" inspect - <"$TEST_DIR/ev.json"
grep -q "$id" "$TEST_DIR/out" || fail "inspect - on evidence: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" verify-evidence - <"$TEST_DIR/ev.json"
grep -q 'simulat' "$TEST_DIR/out" || fail "verify-evidence -: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" dcap verify - <"$TEST_DIR/q.bin"
grep -q "is a LAS quote" "$TEST_DIR/out" || fail "dcap verify -: $(cat "$TEST_DIR/out")"
expect_rc 2 "$LAS_BIN" verify - --policy - <"$TEST_DIR/q.bin"
grep -q "only one of QUOTE, --policy, --evidence and --collateral can be '-'" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
pass "'-' reads stdin (verify QUOTE and --policy, inspect, verify-evidence, dcap verify), once per run"

# --- las attest against a state directory this user cannot read ----------------
# As root the test runs las attest as nobody (setpriv), from a copy of the
# binary that nobody can run wherever the build is; otherwise the state
# directory is made unreadable for its owner.
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"
  chmod 0711 "$TEST_DIR"
  install -m 0755 "$LAS_BIN" "$TEST_DIR/las-copy"
  as_other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  other_bin=$TEST_DIR/las-copy
  user_re='nobody \(uid 65534\)'
  mkdir -m 0700 "$TEST_DIR/locked"
  cp -a "$state" "$TEST_DIR/locked/state"
  expect_rc 3 as_other "$other_bin" attest --las "$LAS_ADDR" --state-dir "$TEST_DIR/locked/state" --out /dev/null
  grep -Eq "cannot use the simulated CPU in $TEST_DIR/locked/state as user $user_re: $TEST_DIR/locked/state: Permission denied" \
    "$TEST_DIR/err" || fail "unsearchable parent: $(cat "$TEST_DIR/err")"
  grep -q 'not searchable' "$TEST_DIR/err" || fail "no word of the directory above: $(cat "$TEST_DIR/err")"
else
  as_other() { "$@"; }
  other_bin=$LAS_BIN
  user_re="$(id -un) \\(uid $(id -u)\\)"
  chmod 0 "$state"
fi
expect_rc 3 as_other "$other_bin" attest --las "$LAS_ADDR" --state-dir "$state" --out /dev/null
grep -Eq "cannot use the simulated CPU in $state as user $user_re: $state(/sim-cpu.lock)?: Permission denied" "$TEST_DIR/err" ||
  fail "unreadable state directory: $(cat "$TEST_DIR/err")"
grep -q "it belongs to user $(id -un) (uid $(id -u)), mode 0[0-7]*: run las attest as the user that runs las serve" "$TEST_DIR/err" ||
  fail "owner not named: $(cat "$TEST_DIR/err")"
grep -q 'use the state directory of the running' "$TEST_DIR/err" && fail "the wrong advice: $(cat "$TEST_DIR/err")"
chmod 0700 "$TEST_DIR" "$state"
pass "las attest on a state directory it cannot read names the user, the path and its owner"

# --- platform-ids and evidence with an unreachable LAS ------------------------
expect_rc 3 "$LAS_BIN" platform-ids --las 127.0.0.1:1
[ "$(grep -c '127.0.0.1:1' "$TEST_DIR/err")" = 1 ] || fail "the address is not named once: $(cat "$TEST_DIR/err")"
[ "$(grep -o '127.0.0.1:1\b' "$TEST_DIR/err" | wc -l)" = 1 ] || fail "the address twice on a line: $(cat "$TEST_DIR/err")"
[ ! -s "$TEST_DIR/out" ] || fail "platform-ids printed: $(cat "$TEST_DIR/out")"
grep -q "no 'platforms:' line printed" "$TEST_DIR/err" || fail "$(cat "$TEST_DIR/err")"
expect_rc 1 "$LAS_BIN" platform-ids --las "$LAS_ADDR"    # refused (simulated): still no empty list
[ ! -s "$TEST_DIR/out" ] || fail "platform-ids printed for a refused LAS: $(cat "$TEST_DIR/out")"
expect_rc 1 "$LAS_BIN" platform-ids --las 127.0.0.1:1 --las "$LAS_ADDR" --allow-simulation --sim-root "$state/sim-qe-root-ca.pem"
grep -q "^platforms: \[$id\]$" "$TEST_DIR/out" || fail "the reachable one is not listed: $(cat "$TEST_DIR/out")"
expect_rc 3 "$LAS_BIN" evidence --las 127.0.0.1:1 --out "$TEST_DIR/none.json"
[ "$(grep -o '127.0.0.1:1\b' "$TEST_DIR/err" | wc -l)" = 1 ] || fail "evidence: $(cat "$TEST_DIR/err")"
[ ! -e "$TEST_DIR/none.json" ] || fail "evidence created its --out file for an unreachable LAS"
pass "platform-ids and evidence with an unreachable LAS: the address once, no empty platforms line, exit 3"

# --- option errors: once, naming the option; numbers out of range state the range
check_once() { # WANT CMD...: exit 2, stderr exactly "las ...: WANT" and the --help hint
  local want=$1
  shift
  expect_rc 2 "$@"
  [ "$(wc -l <"$TEST_DIR/err")" = 2 ] || fail "'$*' printed more than one error: $(cat "$TEST_DIR/err")"
  grep -qF -- "$want" "$TEST_DIR/err" || fail "'$*': expected '$want', got: $(cat "$TEST_DIR/err")"
  grep -q "^(see 'las " "$TEST_DIR/err" || fail "'$*': no --help hint"
}
check_once "las id: unknown or ambiguous option '--bogus'" "$LAS_BIN" id --bogus
check_once "las verify: option '--platform' needs a value" "$LAS_BIN" verify --platform
check_once "las verify: option '--json=1' takes no value" "$LAS_BIN" verify q.bin --json=1
check_once "las verify: unknown or ambiguous option '--allow'" "$LAS_BIN" verify q.bin --allow
check_once "las inspect: unknown or ambiguous option '-x'" "$LAS_BIN" inspect -x
check_once "las platform-ids: option '--las' needs a value" "$LAS_BIN" platform-ids --las
check_once "las dcap verify: option '--at' needs a value" "$LAS_BIN" dcap verify --at
check_once "las attest: option '--isvsvn' needs a value" "$LAS_BIN" attest --isvsvn
check_once "las evidence: unknown or ambiguous option '--nope'" "$LAS_BIN" evidence --nope
check_once "las verify-evidence: unknown or ambiguous option '--nope'" "$LAS_BIN" verify-evidence --nope
check_once "las serve: unknown or ambiguous option '--bogus'" "$LAS_BIN" serve --bogus
check_once "las serve: invalid value '999' for --threads: expected a number 0..256" "$LAS_BIN" serve --threads 999
check_once "las serve: invalid value '0' for --max-connections: expected a number 1..1000000" \
  "$LAS_BIN" serve --max-connections 0
check_once "las serve: invalid value '9999' for --request-timeout: expected a number 1..3600" \
  "$LAS_BIN" serve --request-timeout 9999
LAS_THREADS=x check_once "las serve: invalid value of LAS_THREADS: expected a number 0..256" "$LAS_BIN" serve
check_once "las attest: --isvsvn needs a number 0..65535" "$LAS_BIN" attest --isvsvn 70000
check_once "las verify: --max-age needs seconds, 1 to 315360000" "$LAS_BIN" verify q.bin --max-age 0
pass "option errors are printed once and name the option; numbers out of range state their range"
