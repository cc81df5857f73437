#!/usr/bin/env bash
# The container image: scripts/build-image builds it offline with podman (in
# a private vfs store), then the image's root filesystem is exported from a
# created-but-never-started container and LAS is run from it with chroot:
# `las version`, and a real `las serve` as the image's user whose platform ID
# matches what `las id` reads and what the log line says. Containers cannot
# be started on the development machines, so chroot stands in for the runtime.
# Without podman, the root filesystem that build-image assembles is tested the
# same way and the test reports itself as skipped.
source "$(dirname "$0")/lib.sh"
: "${LAS_BIN:?LAS_BIN must point to the las binary}"

[ "$(id -u)" -eq 0 ] || skip "chroot needs root"
if ldd "$LAS_BIN" | grep -E 'lib(asan|ubsan)' >/dev/null; then
  skip "$LAS_BIN is a sanitizer build; the image packages a normal build"
fi

# run_from_rootfs FS: the checks on an unpacked image.
run_from_rootfs() {
  local fs=$1
  [ -x "$fs/usr/bin/las" ] || fail "no /usr/bin/las in the image"
  [ -x "$fs/usr/bin/las-operator" ] || fail "no /usr/bin/las-operator in the image"
  grep -q '^las:x:10001:10001:' "$fs/etc/passwd" || fail "no las user (uid 10001) in /etc/passwd"
  grep -q '^las:x:10001:' "$fs/etc/group" || fail "no las group in /etc/group"
  [ -d "$fs/var/lib/las" ] || fail "no /var/lib/las"
  # Nothing but the binary, the loader, libraries and the two files in /etc.
  local extra
  extra=$(cd "$fs" && find . -type f ! -path './usr/bin/las' ! -path './usr/bin/las-operator' \
    ! -path './etc/passwd' \
    ! -path './etc/group' ! -name '*.so*')
  [ -z "$extra" ] || fail "unexpected files in the image: $extra"
  local lib
  for lib in $(ldd "$LAS_BIN" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
    [ -f "$fs$lib" ] || fail "library $lib missing from the image"
  done

  local v
  v=$(chroot "$fs" /usr/bin/las version) || fail "chroot las version failed"
  [ "$v" = "$("$LAS_BIN" version)" ] || fail "image says '$v', build says '$("$LAS_BIN" version)'"
  pass "chroot ROOTFS /usr/bin/las version: $v"
  v=$(chroot "$fs" /usr/bin/las-operator version) || fail "chroot las-operator version failed"
  [ "$v" = "las-operator $("$LAS_BIN" version | awk '{print $2}')" ] ||
    fail "the image's operator says '$v'"

  # A real daemon from the image, as the image's user, on an ephemeral port.
  chown 10001:10001 "$fs/var/lib/las"
  local log=$TEST_DIR/serve.log
  : >"$log"
  chroot --userspec=10001:10001 "$fs" /usr/bin/las serve --mode sim --listen 127.0.0.1:0 \
    --state-dir /var/lib/las >"$log" 2>&1 &
  local pid=$!
  CLEANUP_CMDS+=("kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null")
  wait_las_port "$log" "$pid"
  local port=$LAS_PORT
  local id logged
  id=$("$LAS_BIN" id --las "127.0.0.1:$port") || fail "las id against the image's daemon failed"
  logged=$(grep 'public key' "$log" | tail -n 1 | awk '{print $8}')
  [ "$id" = "$logged" ] || fail "las id says $id, the log says '$logged'"
  [ -n "$(ls -A "$fs/var/lib/las")" ] ||
    fail "the daemon wrote no state into /var/lib/las"
  kill -TERM "$pid"
  wait "$pid" || fail "las serve from the image did not exit 0 on SIGTERM"
  pass "las serve from the image as uid 10001: platform ID $id"
}

if ! command -v podman >/dev/null; then
  "$LAS_SOURCE_DIR/scripts/build-image" --las "$LAS_BIN" --context "$TEST_DIR/ctx" --rootfs-only
  run_from_rootfs "$TEST_DIR/ctx/rootfs"
  skip "podman is not installed (./scripts/install-deps installs it): only the root filesystem was tested"
fi

# A private vfs store inside TEST_DIR (plain directories, removed with it):
# the test leaves nothing in the host's containers storage.
export LAS_PODMAN_OPTS="--root $TEST_DIR/store --runroot $TEST_DIR/run --storage-driver vfs"
read -r -a P <<<"$LAS_PODMAN_OPTS"
tag=localhost/las-test:image
expect_rc 0 "$LAS_SOURCE_DIR/scripts/build-image" --las "$LAS_BIN" --context "$TEST_DIR/ctx" \
  --tag "$tag" --save "$TEST_DIR/las.oci.tar"
pass "build-image built $tag offline"
[ -s "$TEST_DIR/las.oci.tar" ] || fail "--save wrote no archive"
tar -tf "$TEST_DIR/las.oci.tar" | grep -x 'index.json' >/dev/null || fail "--save did not write an OCI archive"

cfg=$(podman "${P[@]}" image inspect "$tag" | jq -c '.[0].Config')
[ "$(jq -r '.User' <<<"$cfg")" = "10001:10001" ] || fail "image user is not 10001:10001: $cfg"
[ "$(jq -c '.Entrypoint' <<<"$cfg")" = '["/usr/bin/las"]' ] || fail "entrypoint: $cfg"
[ "$(jq -c '.Cmd' <<<"$cfg")" = '["serve","--listen","0.0.0.0:18766","--state-dir","/var/lib/las"]' ] ||
  fail "default command: $cfg"
jq -e '.ExposedPorts | has("18766/tcp")' <<<"$cfg" >/dev/null || fail "18766/tcp not exposed: $cfg"
pass "image config: user 10001, entrypoint las, serve on 0.0.0.0:18766"

# Reproducible: a second build from a fresh context is the same image.
expect_rc 0 "$LAS_SOURCE_DIR/scripts/build-image" --las "$LAS_BIN" --context "$TEST_DIR/ctx2" --tag "$tag-again"
[ "$(podman "${P[@]}" image inspect --format '{{.Id}}' "$tag")" = \
  "$(podman "${P[@]}" image inspect --format '{{.Id}}' "$tag-again")" ] || fail "two builds gave different images"
pass "the build is reproducible (same image ID twice)"

layers=$(podman "${P[@]}" image inspect "$tag" | jq '.[0].RootFS.Layers | length')
[ "$layers" -le 3 ] || fail "expected a FROM scratch image with few layers, got $layers"

cid=$(podman "${P[@]}" create --network none "$tag") || fail "podman create failed"
mkdir "$TEST_DIR/fs"
podman "${P[@]}" export "$cid" >"$TEST_DIR/fs.tar"
tar -tvf "$TEST_DIR/fs.tar" | grep -E ' las/las .* var/lib/las/?$' >/dev/null ||
  fail "/var/lib/las in the image is not owned by las"
tar -xf "$TEST_DIR/fs.tar" -C "$TEST_DIR/fs"
podman "${P[@]}" rm "$cid" >/dev/null
run_from_rootfs "$TEST_DIR/fs"
echo "image: all checks passed"
