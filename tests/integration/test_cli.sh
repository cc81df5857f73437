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
