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
# The labels that need the project's address come from LAS_PROJECT_URL (else
# the git remote); the test's is no real one, and is only checked for.
export LAS_PROJECT_URL=https://las.example.org
expect_rc 0 "$LAS_SOURCE_DIR/scripts/build-image" --las "$LAS_BIN" --context "$TEST_DIR/ctx" \
  --tag "$tag" --save "$TEST_DIR/las.oci.tar" --sbom "$TEST_DIR/sbom.json"
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

# The OCI labels: created is the commit's time (not 1970), revision the commit.
labels=$(jq -c '.Labels' <<<"$cfg")
label() { jq -r --arg k "org.opencontainers.image.$1" '.[$k] // ""' <<<"$labels"; }
revision=$(git -C "$LAS_SOURCE_DIR" rev-parse HEAD)
created=$(date -u -d "@$(git -C "$LAS_SOURCE_DIR" log -1 --format=%ct)" +%Y-%m-%dT%H:%M:%SZ)
for want in "title=las" "licenses=Apache-2.0" "version=$("$LAS_BIN" version | awk '{print $2}')" \
  "revision=$revision" "created=$created" "vendor=LAS project" "source=$LAS_PROJECT_URL" \
  "url=$LAS_PROJECT_URL" "documentation=$LAS_PROJECT_URL"; do
  [ "$(label "${want%%=*}")" = "${want#*=}" ] || fail "label ${want%%=*} is '$(label "${want%%=*}")', want '${want#*=}'"
done
[ -n "$(label description)" ] || fail "no description label: $labels"
[ "$(podman "${P[@]}" image inspect --format '{{.Created.UTC.Format "2006-01-02T15:04:05Z"}}' "$tag")" = "$created" ] ||
  fail "the image's creation time is not the commit's ($created)"
pass "OCI labels: title, description, licenses, version, revision $revision, created $created, source, url, documentation, vendor"

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
# Nothing but what docs/deploy.md lists: the binaries, the loader and the
# libraries, four files in /etc, the package records, licenses and the SBOM.
extra=$(cd "$fs" && find . -type f ! -path './usr/bin/las' ! -path './usr/bin/las-operator' ! -path './etc/passwd' \
  ! -path './etc/group' ! -path './etc/os-release' ! -path './etc/debian_version' ! -name '*.so*' \
  ! -path './var/lib/dpkg/status.d/*' ! -path './usr/share/doc/*/copyright' \
  ! -path './usr/share/doc/las/LICENSE' ! -path './usr/share/doc/las/sbom.spdx.json')
[ -z "$extra" ] || fail "unexpected files in the image: $extra"
for lib in $(ldd "$LAS_BIN" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
  [ -f "$fs$lib" ] || fail "library $lib missing from the image"
done
# The daemon links no libcurl (nor its LDAP, Kerberos, RTMP libraries); its
# client commands load libcurl.so.4 at run time, so the image holds it.
readelf -d "$fs/usr/bin/las" | grep -E 'NEEDED.*lib(curl|ldap|gssapi|rtmp)' &&
  fail "the image's las links libcurl or its libraries"
[ -n "$(find "$fs" -name 'libcurl.so.4*' -print -quit)" ] || fail "no libcurl.so.4 in the image for las's client commands"
pass "image contents: las, las-operator, their libraries and the loader, /etc, package records, licenses, SBOM"

# Every library's Debian package, where scanners look: a dpkg status entry
# in /var/lib/dpkg/status.d/PACKAGE with the host's version, and the file in
# PACKAGE.md5sums with its checksum; its copyright file beside it.
sd=$fs/var/lib/dpkg/status.d
(cd "$fs" && find . -name '*.so*' -type f | sed 's|^\./||') >"$TEST_DIR/libs"
[ -s "$TEST_DIR/libs" ] || fail "no library in the image"
while read -r lib; do
  rec=$(grep -l "  $lib\$" "$sd"/*.md5sums) || fail "/$lib is in no /var/lib/dpkg/status.d/*.md5sums"
  (cd "$fs" && md5sum -c --quiet "$rec") || fail "$rec does not match the image's files"
done <"$TEST_DIR/libs"
npkg=0
for rec in "$sd"/*.md5sums; do
  pkg=$(basename "$rec" .md5sums)
  [ "$(sed -n 's/^Package: //p' "$sd/$pkg")" = "$pkg" ] || fail "$sd/$pkg does not name $pkg"
  [ "$(sed -n 's/^Version: //p' "$sd/$pkg")" = "$(dpkg-query -W -f='${Version}' "$pkg")" ] ||
    fail "$pkg: the image records version $(sed -n 's/^Version: //p' "$sd/$pkg"), the host has $(dpkg-query -W -f='${Version}' "$pkg")"
  grep -q '^Architecture: ' "$sd/$pkg" && grep -q '^Status: install ok installed$' "$sd/$pkg" ||
    fail "$sd/$pkg lacks Architecture or Status"
  [ -s "$fs/usr/share/doc/$pkg/copyright" ] || fail "no copyright file of $pkg in the image"
  npkg=$((npkg + 1))
done
grep -qx 'ID=debian' "$fs/etc/os-release" || fail "/etc/os-release does not name Debian"
[ "$(ls "$sd" | grep -vc '\.md5sums$')" = "$npkg" ] || fail "a status entry without its md5sums, or the reverse"
pass "$npkg Debian packages recorded in /var/lib/dpkg/status.d with the host's versions and their files"

# The SBOM: SPDX 2.3, in the image and next to it, every package with its
# version and every file of the image with its SHA-256.
sbom=$fs/usr/share/doc/las/sbom.spdx.json
cmp -s "$sbom" "$TEST_DIR/sbom.json" || fail "--sbom wrote another SBOM than the image's"
cmp -s "$sbom" "$TEST_DIR/ctx/sbom.spdx.json" || fail "the context's sbom.spdx.json is not the image's"
cmp -s "$fs/usr/share/doc/las/LICENSE" "$LAS_SOURCE_DIR/LICENSE" || fail "the image's LICENSE is not the repository's"
[ "$(jq -r '.spdxVersion + " " + .dataLicense' "$sbom")" = "SPDX-2.3 CC0-1.0" ] || fail "not an SPDX 2.3 document"
for rec in "$sd"/*.md5sums; do
  pkg=$(basename "$rec" .md5sums)
  v=$(jq -r --arg p "$pkg" '.packages[] | select(.name == $p) | .versionInfo' "$sbom")
  [ "$v" = "$(sed -n 's/^Version: //p' "$sd/$pkg")" ] || fail "the SBOM gives $pkg version '$v'"
done
[ "$(jq '.packages | length' "$sbom")" = $((npkg + 1)) ] || fail "the SBOM has other packages than the image's $npkg and las"
jq -e --arg r "$revision" '.packages[] | select(.name == "las") | .downloadLocation | endswith("@" + $r)' "$sbom" \
  >/dev/null || fail "the SBOM's las package does not name revision $revision"
(cd "$fs" && find . -type f ! -path ./usr/share/doc/las/sbom.spdx.json | sort) >"$TEST_DIR/files"
[ "$(jq -r '.files[].fileName' "$sbom" | sort)" = "$(cat "$TEST_DIR/files")" ] ||
  fail "the SBOM's files are not the image's: $(diff <(jq -r '.files[].fileName' "$sbom" | sort) "$TEST_DIR/files")"
jq -r '.files[] | .checksums[0].checksumValue + "  " + .fileName' "$sbom" >"$TEST_DIR/sums"
(cd "$fs" && sha256sum -c --quiet "$TEST_DIR/sums") || fail "an SBOM checksum does not match the image's file"
[ "$(jq '[.relationships[] | select(.relationshipType == "CONTAINS")] | length' "$sbom")" = \
  "$(wc -l <"$TEST_DIR/files")" ] || fail "not every file belongs to a package in the SBOM"
pass "SBOM: SPDX 2.3, las and $npkg packages with the recorded versions, $(wc -l <"$TEST_DIR/files") files with their SHA-256"

# docs/deploy.md lists every package the image holds, and no other.
sed -n '/^### What the image holds/,/^## /p' "$LAS_SOURCE_DIR/docs/deploy.md" |
  sed -n 's/^| `\([a-z0-9.+-]*\)` |.*/\1/p' | sort >"$TEST_DIR/doc-pkgs"
(cd "$sd" && ls | grep -v '\.md5sums$' | sort) >"$TEST_DIR/img-pkgs"
cmp -s "$TEST_DIR/doc-pkgs" "$TEST_DIR/img-pkgs" ||
  fail "docs/deploy.md's list of packages is not the image's: $(diff "$TEST_DIR/doc-pkgs" "$TEST_DIR/img-pkgs")"
pass "docs/deploy.md says why the image holds each of its $npkg packages"

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
# The image's own las as a client (helm test, get-platform-ids): it loads
# libcurl.so.4 from the image's libraries.
in_ns chroot "$fs" /usr/bin/las id --las 127.0.0.1:18766 >"$TEST_DIR/image-id" 2>&1 ||
  fail "the image's las id failed: $(cat "$TEST_DIR/image-id")"
[ "$(cat "$TEST_DIR/image-id")" = "$logged" ] || fail "the image's las id says $(cat "$TEST_DIR/image-id")"
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
