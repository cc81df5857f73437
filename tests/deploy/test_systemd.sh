#!/usr/bin/env bash
# deploy/systemd: las.service has the promised hardening, passes
# `systemd-analyze verify` (with ExecStart pointed at the built las), and
# scores as "OK" or better in `systemd-analyze security`; the Gramine drop-in
# las.service.d/sgx.conf verifies on top of it and opens exactly the SGX
# devices. systemd does not run here, so the unit is checked, not started.
source "$(dirname "$0")/lib.sh"
: "${LAS_BIN:?LAS_BIN must point to the las binary}"
command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
UNIT=$LAS_SOURCE_DIR/deploy/systemd/las.service
DROPIN=$LAS_SOURCE_DIR/deploy/systemd/las.service.d/sgx.conf

for line in DynamicUser=yes StateDirectory=las Environment=LAS_STATE_DIR=/var/lib/las \
  Environment=LAS_LISTEN=127.0.0.1:18766 NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
  PrivateTmp=yes PrivateDevices=yes DevicePolicy=closed MemoryDenyWriteExecute=yes LockPersonality=yes \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallFilter=@system-service \
  SystemCallFilter=~@privileged SystemCallArchitectures=native CapabilityBoundingSet= \
  RestrictNamespaces=yes ProtectKernelTunables=yes ProtectControlGroups=yes UMask=0077 \
  'ExecStart=/usr/local/bin/las serve' LimitNOFILE=65536 Environment=LAS_MODE=sgx; do
  grep -qxF -- "$line" "$UNIT" || fail "las.service lacks '$line'"
done
for line in PrivateDevices=no DevicePolicy=closed 'DeviceAllow=/dev/sgx_enclave rw' \
  'DeviceAllow=/dev/sgx_provision rw' MemoryDenyWriteExecute=no Environment=LAS_MODE=sgx \
  'ExecStart=' 'BindReadOnlyPaths=-/var/run/aesmd'; do
  grep -qxF -- "$line" "$DROPIN" || fail "sgx.conf lacks '$line'"
done
[ "$(grep -c '^DeviceAllow=' "$DROPIN")" -eq 2 ] || fail "sgx.conf should allow exactly two devices"
grep -E '^Environment=LAS_MODE=(auto|sim)' "$UNIT" && fail "las.service falls back to simulation by default"
pass "las.service (mode sgx: fails closed) and sgx.conf carry the hardening options"

units=$TEST_DIR/units
mkdir -p "$units"
sed "s|^ExecStart=/usr/local/bin/las |ExecStart=$LAS_BIN |" "$UNIT" >"$units/las.service"
expect_rc 0 systemd-analyze verify "$units/las.service"
[ ! -s "$TEST_DIR/err" ] || { cat "$TEST_DIR/err" >&2; fail "systemd-analyze verify warned"; }
pass "systemd-analyze verify las.service"

if systemd-analyze security --help 2>/dev/null | grep -- '--offline' >/dev/null; then
  expect_rc 0 systemd-analyze security --offline=yes --no-pager "$units/las.service"
  score=$(sed -n 's/.*Overall exposure level for las.service: \([0-9.]*\).*/\1/p' "$TEST_DIR/out")
  [ -n "$score" ] || fail "no exposure level in: $(tail -n 2 "$TEST_DIR/out")"
  awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure level $score, want <= 2.0"
  pass "systemd-analyze security: exposure $score"
else
  echo "note: systemd-analyze security --offline is not available; score not checked"
fi

# The drop-in on top: stub gramine-sgx and aesmd.service so verify can
# resolve them.
mkdir -p "$units/las.service.d" "$TEST_DIR/gramine"
printf '#!/bin/sh\nexit 0\n' >"$TEST_DIR/gramine/gramine-sgx"
chmod +x "$TEST_DIR/gramine/gramine-sgx"
sed "s|^ExecStart=/usr/bin/gramine-sgx |ExecStart=$TEST_DIR/gramine/gramine-sgx |" "$DROPIN" \
  >"$units/las.service.d/sgx.conf"
printf '[Service]\nExecStart=/bin/true\n' >"$units/aesmd.service"
SYSTEMD_UNIT_PATH=$units: expect_rc 0 systemd-analyze verify las.service
[ ! -s "$TEST_DIR/err" ] || { cat "$TEST_DIR/err" >&2; fail "systemd-analyze verify warned about the drop-in"; }
# The drop-in is really applied: verify now fails on the missing gramine-sgx.
sed -i "s|$TEST_DIR/gramine/gramine-sgx|$TEST_DIR/nonexistent-gramine|" "$units/las.service.d/sgx.conf"
SYSTEMD_UNIT_PATH=$units: expect_rc 1 systemd-analyze verify las.service
expect_output 'nonexistent-gramine'
pass "systemd-analyze verify las.service with las.service.d/sgx.conf"
# The score with the drop-in (docs/deploy.md gives both figures).
sed -i "s|$TEST_DIR/nonexistent-gramine|$TEST_DIR/gramine/gramine-sgx|" "$units/las.service.d/sgx.conf"
if systemd-analyze security --help 2>/dev/null | grep -- '--offline' >/dev/null; then
  SYSTEMD_UNIT_PATH=$units: expect_rc 0 systemd-analyze security --offline=yes --no-pager las.service
  score_sgx=$(sed -n 's/.*Overall exposure level for las.service: \([0-9.]*\).*/\1/p' "$TEST_DIR/out")
  [ -n "$score_sgx" ] || fail "no exposure level with the drop-in: $(tail -n 2 "$TEST_DIR/out")"
  grep -q '^✗ PrivateDevices=' "$TEST_DIR/out" || fail "the drop-in was not scored (PrivateDevices still on)"
  awk -v s="$score_sgx" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure level with sgx.conf $score_sgx, want <= 2.0"
  docs=$(tr -s '\n ' '  ' <"$LAS_SOURCE_DIR/docs/deploy.md")
  grep -qF "rates the unit alone $score " <<<"$docs" && grep -qF "it rates $score_sgx " <<<"$docs" ||
    fail "docs/deploy.md does not give the scores $score (unit) and $score_sgx (with sgx.conf)"
  pass "systemd-analyze security with sgx.conf: exposure $score_sgx"
fi
echo "systemd: all checks passed"
