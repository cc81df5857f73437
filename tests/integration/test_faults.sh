#!/usr/bin/env bash
# Faults of LAS's environment: each start-up failure gives a clear message and
# the distinct exit code of its class (docs/security.md, `las serve --help`);
# nothing on disk is overwritten; a killed LAS restarts with the same ID.
source "$(dirname "$0")/lib.sh"

# serve_rc WANT PATTERN ARGS...: `las serve` must fail with exit WANT and say PATTERN.
serve_rc() {
  local want=$1 pattern=$2 rc=0
  shift 2
  timeout 20 "$LAS_BIN" serve --mode sim "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    cat "$TEST_DIR/out" "$TEST_DIR/err" >&2
    fail "expected exit $want, got $rc: las serve $*"
  fi
  grep -q -- "$pattern" "$TEST_DIR/err" || { cat "$TEST_DIR/err" >&2; fail "no message '$pattern'"; }
}

# --- the exit codes: one table in the code, the same codes in docs/cli.md -------------
# help_codes ARGS...: the codes that `las ARGS --help` lists under "Exit codes:".
help_codes() {
  "$LAS_BIN" "$@" --help | sed -n '/^Exit codes:/,$p' | sed -n 's/^  \([0-9]\)  .*/\1/p' | tr '\n' ' '
}
# doc_codes START: the single codes of the first table after the line that starts with START.
doc_codes() {
  awk -v start="$1" '
    !on && index($0, start) == 1 { on = 1; next }
    on && /^\|/ {
      in_table = 1
      if (match($0, /^\| *[0-9]+ *\|/)) { v = substr($0, 2, RLENGTH - 2); gsub(/ /, "", v); printf "%s ", v }
      next
    }
    on && in_table { exit }' "$(dirname "$0")/../../docs/cli.md"
}
[ "$(help_codes)" = "0 1 2 3 " ] || fail "las --help lists the exit codes '$(help_codes)'"
[ "$(help_codes serve)" = "0 2 3 4 5 6 7 " ] || fail "las serve --help lists '$(help_codes serve)'"
[ "$(doc_codes '## Exit codes')" = "$(help_codes)" ] ||
  fail "docs/cli.md's exit codes ($(doc_codes '## Exit codes')) are not las --help's ($(help_codes))"
[ "$(doc_codes 'Exit codes (one per class')" = "$(help_codes serve)" ] ||
  fail "docs/cli.md's las serve exit codes ($(doc_codes 'Exit codes (one per class')) are not las serve --help's ($(help_codes serve))"
pass "las --help, las serve --help and docs/cli.md list the same exit codes"

# --- root -------------------------------------------------------------------
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  # Not root: a user namespace maps us to uid 0 where the kernel allows it.
  if unshare -r true 2>/dev/null; then as_root=(unshare -r); else as_root=(skip); fi
fi
if [ "${as_root[0]:-}" != skip ]; then
  rc=0
  env -u LAS_ALLOW_ROOT "${as_root[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 \
    --state-dir "$TEST_DIR/root-state" >"$TEST_DIR/root.out" 2>"$TEST_DIR/root.err" || rc=$?
  [ "$rc" -eq 6 ] || { cat "$TEST_DIR/root.err" >&2; fail "as root: exit $rc, expected 6"; }
  grep -q 'refusing to run as root' "$TEST_DIR/root.err" || fail "as root: no clear message"
  [ ! -e "$TEST_DIR/root-state" ] || fail "as root: the state directory was created before refusing"
  rc=0
  env LAS_ALLOW_ROOT=0 "${as_root[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 \
    --state-dir "$TEST_DIR/root-state" >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 6 ] || fail "as root with LAS_ALLOW_ROOT=0: exit $rc, expected 6"
  # --allow-root lets it start (the lib.sh start_las path uses LAS_ALLOW_ROOT=1).
  : >"$TEST_DIR/root-ok.log"
  env -u LAS_ALLOW_ROOT "${as_root[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 \
    --allow-root --state-dir "$TEST_DIR/root-state" >"$TEST_DIR/root-ok.log" 2>&1 &
  root_pid=$!
  LAS_PIDS+=("$root_pid")
  for _ in $(seq 1 100); do grep -qs 'ready' "$TEST_DIR/root-ok.log" && break; sleep 0.05; done
  grep -q 'ready' "$TEST_DIR/root-ok.log" || fail "--allow-root: LAS did not start"
  grep -q 'running as root because --allow-root' "$TEST_DIR/root-ok.log" ||
    fail "--allow-root: no warning"
  stop_las "$root_pid"
  pass "as root, las serve refuses (exit 6) unless --allow-root, which it warns about"
else
  echo "skip: cannot become uid 0 here (no root, no user namespaces): root refusal untested"
fi

# --- kill -9 under load, then restart ------------------------------------------
state="$TEST_DIR/state"
start_las main "$state"
addr=$LAS_ADDR
id=$("$LAS_BIN" id --las "$addr")
cp -p "$state/sim-cpu.state" "$TEST_DIR/state.before"
# Load: four clients attesting in a loop, each logging its exit codes.
load() {
  local n=$1
  while [ ! -e "$TEST_DIR/stop-load" ]; do
    rc=0
    "$LAS_BIN" attest --las "$addr" --state-dir "$state" --out "$TEST_DIR/load$n.bin" \
      >/dev/null 2>&1 || rc=$?
    echo "$rc" >>"$TEST_DIR/load$n.rc"
  done
}
# successes: attestations that succeeded so far, over all clients.
successes() { cat "$TEST_DIR"/load*.rc 2>/dev/null | grep -c '^0$' || true; }
# wait_for CONDITION...: polls for up to 120 s (a loaded machine or ASan is slow).
wait_for() {
  local i
  for i in $(seq 1 1200); do "$@" && return 0; sleep 0.1; done
  return 1
}
load_pids=()
for n in 1 2 3 4; do load "$n" & load_pids+=($!); done
wait_for eval '[ "$(successes)" -gt 20 ]' || fail "too few successful attestations under load: $(successes)"
kill -9 "$LAS_PID"
wait "$LAS_PID" 2>/dev/null || true
sleep 0.5
start_las restarted "$state" --listen "$addr"
[ "$LAS_ADDR" = "$addr" ] || fail "restart did not get the same address"
# Every client succeeds again after the restart.
after=$(successes)
recovered() {
  local n
  for n in 1 2 3 4; do [ "$(tail -n 1 "$TEST_DIR/load$n.rc" 2>/dev/null)" = 0 ] || return 1; done
  [ "$(successes)" -gt "$((after + 4))" ]
}
wait_for recovered || fail "clients do not succeed again after the restart"
touch "$TEST_DIR/stop-load"
wait "${load_pids[@]}"
id2=$("$LAS_BIN" id --las "$addr")
[ "$id2" = "$id" ] || fail "platform ID changed after kill -9: $id -> $id2"
cmp -s "$state/sim-cpu.state" "$TEST_DIR/state.before" || fail "kill -9 changed the state file"
ok=$(successes)
failed=$(cat "$TEST_DIR"/load*.rc | grep -vc '^0$' || true)
# Clients failed only with the connection error class (3) while LAS was down.
! grep -qv '^[03]$' "$TEST_DIR"/load*.rc || fail "clients saw exit codes other than 0 and 3"
for n in 1 2 3 4; do
  [ "$(tail -n 1 "$TEST_DIR/load$n.rc")" = 0 ] || fail "client $n does not succeed after restart"
done
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/load1.bin" --allow-simulation --platform "$id"
pass "kill -9 under load ($ok attestations ok, $failed refused while down): restart keeps the ID and state, clients succeed again"

# --- port in use ---------------------------------------------------------------
serve_rc 5 'Address already in use' --listen "$addr" --state-dir "$state"
pass "port in use: exit 5, 'Address already in use'"
stop_las "$LAS_PID"

# --- state file faults: refused with exit 4, nothing overwritten ----------------
# state_fault NAME PATTERN: LAS must refuse the current state file and leave it
# byte for byte (and mode) as it was.
state_fault() {
  local name=$1 pattern=$2
  cp -p "$state/sim-cpu.state" "$TEST_DIR/fault.before"
  local mode_before
  mode_before=$(stat -c %a "$state/sim-cpu.state")
  serve_rc 4 "$pattern" --listen 127.0.0.1:0 --state-dir "$state"
  cmp -s "$state/sim-cpu.state" "$TEST_DIR/fault.before" || fail "$name: state file modified"
  [ "$(stat -c %a "$state/sim-cpu.state")" = "$mode_before" ] || fail "$name: mode changed"
  pass "$name state file: exit 4, '$pattern', left untouched"
}
cp -p "$state/sim-cpu.state" "$TEST_DIR/good.state"
head -c 100 "$TEST_DIR/good.state" >"$state/sim-cpu.state"
state_fault truncated 'corrupt: wrong size'
: >"$state/sim-cpu.state"
state_fault empty 'corrupt: wrong size'
cp "$TEST_DIR/good.state" "$state/sim-cpu.state"
printf '\x5a' | dd of="$state/sim-cpu.state" bs=1 seek=40 conv=notrunc 2>/dev/null
state_fault corrupt 'corrupt (bad magic or checksum)'
cat "$TEST_DIR/good.state" "$TEST_DIR/good.state" >"$state/sim-cpu.state"
state_fault oversized 'corrupt: wrong size'
cp "$TEST_DIR/good.state" "$state/sim-cpu.state"
chmod 644 "$state/sim-cpu.state"
state_fault world-readable 'chmod 600'
chmod 640 "$state/sim-cpu.state"
state_fault group-readable 'chmod 600'
rm "$state/sim-cpu.state"
ln -s "$TEST_DIR/good.state" "$state/sim-cpu.state"
state_fault symlinked 'not a regular file'
rm "$state/sim-cpu.state"
cp -p "$TEST_DIR/good.state" "$state/sim-cpu.state"
start_las healed "$state"
[ "$("$LAS_BIN" id --las "$LAS_ADDR")" = "$id" ] || fail "restored state: another platform ID"
stop_las "$LAS_PID"
pass "with the original state file restored, LAS starts with the same ID"

# --- unwritable state directory: exit 7 -----------------------------------------
touch "$TEST_DIR/a-file"
serve_rc 7 'cannot create state directory' --listen 127.0.0.1:0 --state-dir "$TEST_DIR/a-file/state"
serve_rc 7 'cannot open state directory .*: Not a directory' --listen 127.0.0.1:0 \
  --state-dir "$TEST_DIR/a-file"
pass "a state directory that cannot be created or is a file: exit 7, clear message"
ro="$TEST_DIR/readonly"
mkdir -p "$ro"
chmod 500 "$ro"
no_dac=()
# Root ignores permission bits unless it gives up CAP_DAC_OVERRIDE.
[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
  no_dac=(setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-dac_override,-dac_read_search)
if [ "$(id -u)" -ne 0 ] || [ ${#no_dac[@]} -gt 0 ]; then
  rc=0
  "${no_dac[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 --state-dir "$ro" \
    >"$TEST_DIR/ro.out" 2>"$TEST_DIR/ro.err" || rc=$?
  [ "$rc" -eq 7 ] || { cat "$TEST_DIR/ro.err" >&2; fail "read-only state dir: exit $rc, expected 7"; }
  grep -q 'Permission denied' "$TEST_DIR/ro.err" || fail "read-only state dir: no clear message"
  [ -z "$(ls -A "$ro")" ] || fail "read-only state dir: something was written"
  pass "an unwritable state directory: exit 7, 'Permission denied', nothing written"
else
  echo "skip: root without setpriv: unwritable directory (chmod 500) untested"
fi
chmod 700 "$ro"

# --- leftovers of a write killed half-way are removed at the next start ------------
# An atomic write is NAME.tmp.XXXXXX, then a rename; kill -9 between the two
# leaves the temporary file. Plant what such kills leave behind.
tmpstate="$TEST_DIR/tmpstate"
start_las tmp-first "$tmpstate"
stop_las "$LAS_PID"
for f in sim-cpu.state.tmp.Ab12Cd platform.json.tmp.x9Y8z7 sim-qe-pck.pem.tmp.QQQQQQ \
  sim-qe-root-ca.pem.tmp.r00t00; do
  head -c 50 /dev/urandom >"$tmpstate/$f"
done
echo keep >"$TEST_DIR/tmp-victim"
ln -s "$TEST_DIR/tmp-victim" "$tmpstate/platform.json.tmp.link00"
echo mine >"$tmpstate/notes.tmp.txt" # not LAS's: stays
start_las tmp-second "$tmpstate"
stop_las "$LAS_PID"
leftover=$(cd "$tmpstate" && ls -d -- *.tmp.* 2>/dev/null | grep -v '^notes\.tmp\.txt$' || true)
[ -z "$leftover" ] || fail "temporary files left after a restart: $leftover"
[ -f "$tmpstate/notes.tmp.txt" ] || fail "a file that is not LAS's was removed"
[ "$(cat "$TEST_DIR/tmp-victim")" = keep ] || fail "a symlinked temporary was followed"
pass "temporary files of interrupted writes are removed at the next start (links not followed, others' files kept)"

# --- lock files are never followed through a symbolic link --------------------------
for lock in sim-cpu.lock sim-qe.lock; do
  lockstate="$TEST_DIR/lock-$lock"
  start_las "lock-first-$lock" "$lockstate"
  stop_las "$LAS_PID"
  printf 'victim\n' >"$TEST_DIR/victim"
  chmod 644 "$TEST_DIR/victim"
  touch -d '2001-01-01 00:00:00' "$TEST_DIR/victim"
  before=$(stat -c '%s %a %Y %i' "$TEST_DIR/victim")
  rm "$lockstate/$lock"
  ln -s "$TEST_DIR/victim" "$lockstate/$lock"
  serve_rc 4 'is a symbolic link' --listen 127.0.0.1:0 --state-dir "$lockstate"
  [ "$(stat -c '%s %a %Y %i' "$TEST_DIR/victim")" = "$before" ] || fail "$lock: the symlink's target changed"
  [ "$(cat "$TEST_DIR/victim")" = victim ] || fail "$lock: the symlink's target was written"
  [ -L "$lockstate/$lock" ] || fail "$lock: the planted symlink was replaced"
  rm "$lockstate/$lock"
  ln -s "$TEST_DIR/not-there" "$lockstate/$lock"
  serve_rc 4 'is a symbolic link' --listen 127.0.0.1:0 --state-dir "$lockstate"
  [ ! -e "$TEST_DIR/not-there" ] || fail "$lock: a dangling symlink's target was created"
  pass "a symlink planted at $lock is refused (exit 4), its target untouched or not created"
done

# --- a symlink planted at a state file's path is refused, its target untouched --------
# Every state file is opened with O_NOFOLLOW relative to the state directory.
for file in platform.json sim-cpu.state sim-qe-pck.pem; do
  linkstate="$TEST_DIR/link-$file"
  start_las "link-first-$file" "$linkstate"
  stop_las "$LAS_PID"
  mv "$linkstate/$file" "$TEST_DIR/target-$file" # a valid file, so following it would work
  ln -s "$TEST_DIR/target-$file" "$linkstate/$file"
  touch -d '2001-01-01 00:00:00' "$TEST_DIR/target-$file"
  before=$(stat -c '%s %a %Y %i' "$TEST_DIR/target-$file")
  sum=$(sha256sum <"$TEST_DIR/target-$file")
  serve_rc 4 'is a symbolic link' --listen 127.0.0.1:0 --state-dir "$linkstate"
  [ "$(stat -c '%s %a %Y %i' "$TEST_DIR/target-$file")" = "$before" ] || fail "$file: the target changed"
  [ "$(sha256sum <"$TEST_DIR/target-$file")" = "$sum" ] || fail "$file: the target was written"
  [ -L "$linkstate/$file" ] || fail "$file: the planted symlink was replaced"
  pass "a symlink planted at $file is refused (exit 4), its target and the link untouched"
done

# --- a state directory writable by others -------------------------------------------
openstate="$TEST_DIR/open-state"
start_las open-first "$openstate"
stop_las "$LAS_PID"
for mode in 777 770 1777; do
  chmod "$mode" "$openstate"
  serve_rc 4 'writable by group or others' --listen 127.0.0.1:0 --state-dir "$openstate"
  grep -q 'chmod go-w' "$TEST_DIR/err" || fail "mode $mode: no hint how to fix it"
done
chmod 700 "$openstate"
pass "a state directory writable by group or others is refused (exit 4) with a message"

# --- a full disk ----------------------------------------------------------------------
# As with a read-only directory: LAS starts when it has nothing to write, and
# exits 7 ('No space left on device'), changing no file, when it must write.
# The disk is a 1 MiB tmpfs in a mount namespace of its own, filled up.
full_disk() {
  local mnt=$1 las=$2 state=$1/state log=$1/../full.log rc=0
  trap 'kill -9 $(jobs -p) 2>/dev/null || true' EXIT # a LAS left by a failure
  mount -t tmpfs -o size=1m,mode=0700 las-full "$mnt"
  "$las" serve --mode sim --listen 127.0.0.1:0 --state-dir "$state" >"$log" 2>&1 &
  wait_las_port "$log" $!
  kill -TERM $! && wait $! || fail "full disk: the first LAS did not stop cleanly"
  head -c 2M /dev/zero >"$mnt/filler" 2>/dev/null && fail "full disk: the tmpfs did not fill up"
  (cd "$state" && sha256sum ./*) >"$mnt/../full.sums"
  "$las" serve --mode sim --listen 127.0.0.1:0 --state-dir "$state" >"$log" 2>&1 &
  wait_las_port "$log" $!
  kill -TERM $! && wait $! || fail "full disk: LAS with nothing to write did not stop cleanly"
  pass "a full disk: LAS starts when it has nothing to write"
  "$las" serve --mode sim --listen 127.0.0.1:0 --state-dir "$state" \
    --sim-cpusvn 0f0f0204ff800f000000000000000000 >"$log" 2>&1 || rc=$?
  [ "$rc" -eq 7 ] || { cat "$log" >&2; fail "full disk, must write: exit $rc, expected 7"; }
  grep -q 'No space left on device' "$log" || { cat "$log" >&2; fail "full disk: no clear message"; }
  (cd "$state" && sha256sum -c --quiet "$mnt/../full.sums") || fail "full disk: files changed"
  [ -z "$(cd "$state" && ls -d -- *.tmp.* 2>/dev/null)" ] || fail "full disk: a temporary file was left"
  pass "a full disk when LAS must write: exit 7, 'No space left on device', nothing changed"
}
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
  mkdir "$TEST_DIR/full"
  TEST_DIR=$TEST_DIR unshare -m --propagation private bash -euo pipefail -c \
    "$(declare -f fail pass wait_las_port full_disk); full_disk \"\$@\"" \
    full_disk "$TEST_DIR/full" "$LAS_BIN" || fail "the full-disk case failed"
else
  echo "skip: not root or no mount namespaces: the full-disk case (a full tmpfs) untested"
fi

# --- a populated state directory made read-only ---------------------------------------
# LAS starts when it has nothing to write (it rewrites no file that did not
# change); when it has to write, it exits 7 (cannot write), never 4 (corrupt).
if [ "$(id -u)" -ne 0 ] || [ ${#no_dac[@]} -gt 0 ]; then
  rostate="$TEST_DIR/ro-state"
  start_las ro-first "$rostate"
  ro_id=$("$LAS_BIN" id --las "$LAS_ADDR")
  stop_las "$LAS_PID"
  inode_before=$(stat -c %i "$rostate/platform.json")
  (cd "$rostate" && sha256sum ./* >"$TEST_DIR/ro.sums")
  chmod 500 "$rostate"
  : >"$TEST_DIR/ro-start.log"
  "${no_dac[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 --state-dir "$rostate" \
    >"$TEST_DIR/ro-start.log" 2>&1 &
  ro_pid=$!
  LAS_PIDS+=("$ro_pid")
  wait_las_port "$TEST_DIR/ro-start.log" "$ro_pid"
  [ "$("$LAS_BIN" id --las "127.0.0.1:$LAS_PORT")" = "$ro_id" ] || fail "read-only: another ID"
  "${no_dac[@]}" "$LAS_BIN" attest --las "127.0.0.1:$LAS_PORT" --state-dir "$rostate" \
    --out "$TEST_DIR/ro-quote.bin" || fail "read-only: attestation fails"
  expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/ro-quote.bin" --allow-simulation --platform "$ro_id"
  stop_las "$ro_pid"
  [ "$(stat -c %i "$rostate/platform.json")" = "$inode_before" ] || fail "platform.json was rewritten"
  pass "a populated read-only state directory: LAS starts, serves, writes nothing"
  # A simulated microcode update must be written to sim-cpu.state: it cannot.
  rc=0
  "${no_dac[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 --state-dir "$rostate" \
    --sim-cpusvn 0f0f0204ff800f000000000000000000 >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
  [ "$rc" -eq 7 ] || { cat "$TEST_DIR/err" >&2; fail "read-only, must write: exit $rc, expected 7"; }
  grep -q 'Permission denied' "$TEST_DIR/err" || fail "read-only, must write: no clear message"
  (cd "$rostate" && sha256sum -c --quiet "$TEST_DIR/ro.sums") || fail "read-only: files changed"
  # Another LAS ISVSVN is another platform key: platform.json must be written (the
  # case of issue #16, which exited 4, 'corrupt', before the statuses were split).
  rc=0
  "${no_dac[@]}" "$LAS_BIN" serve --mode sim --listen 127.0.0.1:0 --state-dir "$rostate" \
    --sim-isvsvn 7 >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
  [ "$rc" -eq 7 ] || { cat "$TEST_DIR/err" >&2; fail "read-only, new identity: exit $rc, expected 7"; }
  grep -q 'cannot write .*platform.json.*Permission denied' "$TEST_DIR/err" ||
    { cat "$TEST_DIR/err" >&2; fail "read-only, new identity: no clear message"; }
  (cd "$rostate" && sha256sum -c --quiet "$TEST_DIR/ro.sums") || fail "read-only: files changed"
  chmod 700 "$rostate"
  pass "a populated read-only state directory that must be written: exit 7, nothing changed"
else
  echo "skip: root without setpriv: read-only populated state directory untested"
fi
