#!/usr/bin/env bash
# deploy/compose/compose.yaml (local development): parsed as YAML and checked
# for sim mode, the state volume, port 18766 on 127.0.0.1 only, the image's
# user, a read-only root, no capabilities, and a health check that runs las
# itself (the image has no shell); the default image tag is the built
# version. No container engine runs here, so the file is checked, not run.
source "$(dirname "$0")/lib.sh"
need_yaml_tools
: "${LAS_BIN:?LAS_BIN must point to the las binary}"
FILE=$LAS_SOURCE_DIR/deploy/compose/compose.yaml
yq -c . "$FILE" >"$TEST_DIR/compose.json" || fail "compose.yaml is not YAML"
version=$("$LAS_BIN" version | awk '{print $2}')
errors=$(jq -r --arg v "$version" '
  .services.las as $s
  | [ if ($s.command | index("--mode")) as $i | $s.command[$i + 1] == "sim" then empty else "not sim mode" end,
      if $s.command[0:5] == ["serve", "--listen", "0.0.0.0:18766", "--state-dir", "/var/lib/las"] then empty else "command \($s.command)" end,
      if $s.ports == ["127.0.0.1:18766:18766"] then empty else "ports \($s.ports)" end,
      if $s.volumes == ["las-state:/var/lib/las"] and (.volumes | has("las-state")) then empty else "state volume" end,
      if $s.user == "10001:10001" and $s.read_only == true and $s.cap_drop == ["ALL"] then empty else "user/read_only/cap_drop" end,
      if ($s.security_opt | index("no-new-privileges:true")) != null then empty else "no-new-privileges" end,
      if $s.healthcheck.test == ["CMD", "/usr/bin/las", "id", "--las", "127.0.0.1:18766"] then empty else "healthcheck" end,
      if $s.image == "${LAS_IMAGE:-localhost/las:\($v)}" then empty else "image \($s.image) is not localhost/las:\($v)" end
    ] | .[]' "$TEST_DIR/compose.json")
[ -z "$errors" ] || fail "compose.yaml: $errors"
# The health check command works against a real LAS.
state=$TEST_DIR/state
start_sim_las "$TEST_DIR/las.log" "$state"
pid=$LAS_PID port=$LAS_PORT
expect_rc 0 "$LAS_BIN" id --las "127.0.0.1:$port"
kill -TERM "$pid"
wait "$pid" || true
expect_rc 3 "$LAS_BIN" id --las "127.0.0.1:$port"
pass "compose.yaml: sim mode, state volume, 127.0.0.1:18766, non-root read-only, las health check"
