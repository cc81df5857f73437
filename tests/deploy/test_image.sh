#!/usr/bin/env bash
# The container image: scripts/build-image builds it offline with podman (in
# a private vfs store), its configuration and contents are checked, and then
# it is started for real with podman, through scripts/runc-wrapper (the
# development machines refuse the rlimits and the negative oom_score_adj
# that runc sets; see docs/testing.md): the image's own entrypoint, command
# and user, a read-only root filesystem, the state directory as a volume, in
# a network namespace of the test's own. From the host, the test reads
# /readyz, attests a simulated enclave with `las attest` and verifies the
# quote against the container's platform ID (and sees it refused against
# another), and SIGTERM (podman stop) ends the container with exit code 0.
# Without podman or root the test reports itself as skipped.
source "$(dirname "$0")/lib.sh"
: "${LAS_BIN:?LAS_BIN must point to the las binary}"

[ "$(id -u)" -eq 0 ] || skip "podman with a private store and a network namespace needs root"
if ldd "$LAS_BIN" | grep -E 'lib(asan|ubsan)' >/dev/null; then
  skip "$LAS_BIN is a sanitizer build; the image packages a normal build"
fi
command -v podman >/dev/null || skip "podman is not installed (./scripts/install-deps installs it)"
command -v jq >/dev/null || skip "jq is missing (./scripts/install-deps installs it)"

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
jq -e '.Env | index("LAS_MODE=sgx")' <<<"$cfg" >/dev/null || fail "the image does not default to LAS_MODE=sgx: $cfg"
pass "image config: user 10001, entrypoint las, serve on 0.0.0.0:18766, mode sgx"

# Reproducible: a second build from a fresh context is the same image.
expect_rc 0 "$LAS_SOURCE_DIR/scripts/build-image" --las "$LAS_BIN" --context "$TEST_DIR/ctx2" --tag "$tag-again"
[ "$(podman "${P[@]}" image inspect --format '{{.Id}}' "$tag")" = \
  "$(podman "${P[@]}" image inspect --format '{{.Id}}' "$tag-again")" ] || fail "two builds gave different images"
pass "the build is reproducible (same image ID twice)"

layers=$(podman "${P[@]}" image inspect "$tag" | jq '.[0].RootFS.Layers | length')
[ "$layers" -le 3 ] || fail "expected a FROM scratch image with few layers, got $layers"

# --- contents ------------------------------------------------------------
cid=$(podman "${P[@]}" create --network none "$tag") || fail "podman create failed"
fs=$TEST_DIR/fs
mkdir "$fs"
podman "${P[@]}" export "$cid" >"$TEST_DIR/fs.tar"
tar -tvf "$TEST_DIR/fs.tar" | grep -E ' las/las .* var/lib/las/?$' >/dev/null ||
  fail "/var/lib/las in the image is not owned by las"
tar -xf "$TEST_DIR/fs.tar" -C "$fs"
podman "${P[@]}" rm "$cid" >/dev/null
[ -x "$fs/usr/bin/las" ] || fail "no /usr/bin/las in the image"
[ -x "$fs/usr/bin/las-operator" ] || fail "no /usr/bin/las-operator in the image"
grep -q '^las:x:10001:10001:' "$fs/etc/passwd" || fail "no las user (uid 10001) in /etc/passwd"
grep -q '^las:x:10001:' "$fs/etc/group" || fail "no las group in /etc/group"
# Nothing but the binary, the loader, libraries and the two files in /etc.
extra=$(cd "$fs" && find . -type f ! -path './usr/bin/las' ! -path './usr/bin/las-operator' ! -path './etc/passwd' \
  ! -path './etc/group' ! -name '*.so*')
[ -z "$extra" ] || fail "unexpected files in the image: $extra"
for lib in $(ldd "$LAS_BIN" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
  [ -f "$fs$lib" ] || fail "library $lib missing from the image"
done
pass "image contents: las, las-operator, their libraries and the loader, /etc/passwd and /etc/group"

# --- started for real ----------------------------------------------------
RUN=(podman "${P[@]}" --runtime "$LAS_SOURCE_DIR/scripts/runc-wrapper" --cgroup-manager cgroupfs)
v=$("${RUN[@]}" run --rm --network none --read-only "$tag" version) || fail "podman run $tag version failed"
[ "$v" = "$("$LAS_BIN" version)" ] || fail "image says '$v', build says '$("$LAS_BIN" version)'"
v=$("${RUN[@]}" run --rm --network none --read-only --entrypoint /usr/bin/las-operator "$tag" version) ||
  fail "podman run --entrypoint las-operator version failed"
[ "$v" = "las-operator $("$LAS_BIN" version | awk '{print $2}')" ] || fail "the image's operator says '$v'"
pass "podman run IMAGE version: $v and $("$LAS_BIN" version)"

# The container gets a network namespace of the test's own: the image's
# default command listens on 0.0.0.0:18766, which stays inside it.
netns=las-image-$$
ip netns add "$netns" || skip "cannot create a network namespace here"
CLEANUP_CMDS+=("ip netns del $netns")
nsenter --net="/var/run/netns/$netns" ip link set lo up
in_ns() { nsenter --net="/var/run/netns/$netns" -- "$@"; }

state=$TEST_DIR/state
mkdir -m 0700 "$state"
chown 10001:10001 "$state"

# The image's defaults fail closed: outside an SGX enclave, mode sgx exits
# and says what to set; no simulated CPU is created.
rc=0
"${RUN[@]}" run --rm --network "ns:/var/run/netns/$netns" --read-only -v "$state:/var/lib/las" \
  "$tag" >"$TEST_DIR/default.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || { cat "$TEST_DIR/default.log" >&2; fail "the image's default command ran without SGX"; }
grep -q 'not running inside an SGX enclave' "$TEST_DIR/default.log" || { cat "$TEST_DIR/default.log" >&2; fail "no SGX error"; }
grep -q -- '--mode sim' "$TEST_DIR/default.log" || fail "the error does not say how to ask for simulation"
[ ! -e "$state/sim-cpu.state" ] || fail "the default command created a simulated CPU"
pass "the image's default command without SGX: exit $rc, 'not running inside an SGX enclave ... --mode sim', no simulated CPU"
name=las-image-test-$$
CLEANUP_CMDS+=("podman ${P[*]} rm -f -t 0 $name >/dev/null 2>&1")
# No --user and no command: the image's own; sim is asked for by variable.
"${RUN[@]}" run -d --name "$name" --network "ns:/var/run/netns/$netns" --read-only \
  -e LAS_MODE=sim -v "$state:/var/lib/las" "$tag" >"$TEST_DIR/cid" ||
  fail "podman run -d $tag failed"
for _ in $(seq 1 100); do
  in_ns curl -fsS -o /dev/null http://127.0.0.1:18766/readyz 2>/dev/null && break
  [ "$(podman "${P[@]}" inspect -f '{{.State.Running}}' "$name")" = true ] ||
    { podman "${P[@]}" logs "$name" >&2; fail "the container exited"; }
  sleep 0.1
done
code=$(in_ns curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:18766/readyz) || fail "no answer on 18766"
[ "$code" = 200 ] || fail "/readyz answered $code"
pid=$(podman "${P[@]}" inspect -f '{{.State.Pid}}' "$name")
[ "$(awk '/^Uid:/ {print $2 $3}' "/proc/$pid/status")" = 1000110001 ] ||
  fail "the container's process does not run as uid 10001: $(grep -E '^(Uid|Gid):' "/proc/$pid/status")"
[ "$(awk '$5 == "/" {print $6}' "/proc/$pid/mountinfo" | tail -n 1 | cut -d, -f1)" = ro ] ||
  fail "the root filesystem is not read-only: $(awk '$5 == "/"' "/proc/$pid/mountinfo")"
[ "$(cat "/proc/$pid/comm")" = las ] || fail "the container runs $(cat "/proc/$pid/comm"), not las"
pass "the image runs las serve as uid 10001 on a read-only root filesystem; /readyz 200"

podman "${P[@]}" logs "$name" >"$TEST_DIR/serve.log" 2>&1
logged=$(grep 'public key' "$TEST_DIR/serve.log" | tail -n 1 | awk '{print $8}')
id=$(in_ns "$LAS_BIN" id --las 127.0.0.1:18766) || fail "las id against the container failed"
[ "$id" = "$logged" ] || fail "las id says $id, the log says '$logged'"
[ -s "$state/sim-cpu.state" ] || fail "the container wrote no simulated CPU into its state volume"
# The host acts as a simulated enclave: the same simulated CPU (the state
# volume, whose owner, the image's user, it has to be), the container's LAS.
# The image's user must reach both directories.
chmod 0711 "$TEST_DIR"
mkdir -m 0700 "$TEST_DIR/app"
chown 10001:10001 "$TEST_DIR/app"
expect_rc 0 in_ns setpriv --reuid=10001 --regid=10001 --clear-groups "$LAS_BIN" attest \
  --las 127.0.0.1:18766 --state-dir "$state" --report-data 00112233 --out "$TEST_DIR/app/quote.bin"
expect_rc 0 "$LAS_BIN" verify "$TEST_DIR/app/quote.bin" --allow-simulation --platform "$id"
expect_rc 1 "$LAS_BIN" verify "$TEST_DIR/app/quote.bin" --allow-simulation --platform "$(printf 'A%.0s' {1..64})"
pass "a simulated enclave on the host attested to the container's LAS: the quote verifies against $id only"

podman "${P[@]}" stop -t 10 "$name" >/dev/null || fail "podman stop failed"
rc=$(podman "${P[@]}" inspect -f '{{.State.ExitCode}}' "$name")
[ "$rc" = 0 ] || fail "las serve in the container exited with $rc on SIGTERM"
pass "podman stop (SIGTERM): the container exited 0"
echo "image: all checks passed"
