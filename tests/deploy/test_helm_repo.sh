#!/usr/bin/env bash
# scripts/helm-repo: the directory it writes is a chart repository: index.yaml
# lists the chart at the version of Chart.yaml, with the URL and the SHA-256
# of the archive beside it; the archive is the chart (helm template, helm lint
# --strict, helm show readme work on it); the URL fields (home, sources,
# icon) come from the project URL and --url, and --publish refuses to go
# without them; a second version lands next to the first. Where python3 is
# there to serve the directory on 127.0.0.1, `helm repo add` + `helm search
# repo` + `helm pull` run against it as a user would.
source "$(dirname "$0")/lib.sh"
need_yaml_tools
need_helm
export LAS_HELM=$HELM
# The project URL of whoever runs the tests must not leak into them.
unset LAS_PROJECT_URL

CHART=$LAS_SOURCE_DIR/deploy/helm/las
version=$(yq -r .version "$CHART/Chart.yaml")
app_version=$(yq -r .appVersion "$CHART/Chart.yaml")
repo=$TEST_DIR/repo

expect_rc 2 "$LAS_SOURCE_DIR/scripts/helm-repo" --bogus
expect_rc 0 "$LAS_SOURCE_DIR/scripts/helm-repo" --help
expect_output 'usage: scripts/helm-repo'

url=http://127.0.0.1:1/las-charts
expect_rc 0 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$repo" --url "$url/"
tgz=$repo/las-$version.tgz
[ -f "$tgz" ] || fail "no $tgz"
yq -c . "$repo/index.yaml" >"$TEST_DIR/index.json" || fail "index.yaml is not YAML"
entry=$(jq -c --arg v "$version" '.entries.las[] | select(.version == $v)' "$TEST_DIR/index.json")
[ -n "$entry" ] || fail "index.yaml does not list las $version: $(cat "$repo/index.yaml")"
[ "$(jq -r .apiVersion "$TEST_DIR/index.json")" = v1 ] || fail "index apiVersion"
[ "$(jq -r .appVersion <<<"$entry")" = "$app_version" ] || fail "appVersion in the index"
[ "$(jq -c .urls <<<"$entry")" = "[\"$url/las-$version.tgz\"]" ] || fail "chart URL: $(jq -c .urls <<<"$entry")"
[ "$(jq -r .digest <<<"$entry")" = "$(sha256sum "$tgz" | awk '{print $1}')" ] || fail "digest differs from the archive"
pass "index.yaml lists las $version (URL, digest, appVersion)"

expect_rc 0 "$HELM" template r "$tgz" --set mode=sim
expect_output 'kind: DaemonSet'
tar -tzf "$tgz" | grep -x 'las/values.schema.json' >/dev/null || fail "the archive lacks values.schema.json"
tar -tzf "$tgz" | grep -x 'las/templates/NOTES.txt' >/dev/null || fail "the archive lacks NOTES.txt"

# The packaged chart: lint --strict passes; helm show readme prints the
# chart's README; the icon is served next to index.yaml and named by both
# the chart and the index; without a project URL there is no home or source.
expect_rc 0 "$HELM" lint --strict "$tgz"
"$HELM" show readme "$tgz" >"$TEST_DIR/readme" || fail "helm show readme failed"
# (helm adds a newline at the end)
[ "$(cat "$TEST_DIR/readme")" = "$(cat "$CHART/README.md")" ] || fail "helm show readme does not print deploy/helm/las/README.md"
"$HELM" show chart "$tgz" | yq -c . >"$TEST_DIR/shown.json" || fail "helm show chart failed"
[ "$(jq -r .icon "$TEST_DIR/shown.json")" = "$url/las-icon.svg" ] || fail "icon of the packaged chart: $(jq -r .icon "$TEST_DIR/shown.json")"
[ "$(jq -r .icon <<<"$entry")" = "$url/las-icon.svg" ] || fail "icon in the index: $(jq -r .icon <<<"$entry")"
cmp "$repo/las-icon.svg" "$CHART/icon.svg" || fail "the repository does not serve the chart's icon.svg as las-icon.svg"
jq -e 'has("home") or has("sources") | not' "$TEST_DIR/shown.json" >/dev/null || fail "home or sources without a project URL"
[ "$(jq -r '.annotations["artifacthub.io/license"]' "$TEST_DIR/shown.json")" = "$(yq -r '.annotations["artifacthub.io/license"]' "$CHART/Chart.yaml")" ] ||
  fail "the packaged chart lost its annotations"
pass "packaged chart: lint --strict, helm show readme, icon next to index.yaml"

# Publication: the URL fields must be there, from --url and the project URL.
pub=$TEST_DIR/pub
expect_rc 2 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$pub" --publish --project-url https://las.example.org
expect_output '--publish needs --url'
expect_rc 2 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$pub" --publish --url https://charts.example.org/las
expect_output "--publish needs the project's public URL \(LAS_PROJECT_URL or --project-url\)"
LAS_PROJECT_URL=http://las.example.org expect_rc 2 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$pub" --publish --url https://charts.example.org/las
expect_output "the project URL 'http://las.example.org' is not an https URL"
expect_rc 2 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$pub" --url 'https://charts.example.org/a b'
expect_output "is not an http or https URL"
[ ! -e "$pub" ] || fail "a refused run wrote $pub"
LAS_PROJECT_URL=https://las.example.org/src expect_rc 0 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$pub" --publish \
  --url https://charts.example.org/las/
expect_rc 0 "$HELM" lint --strict "$pub/las-$version.tgz"
"$HELM" show chart "$pub/las-$version.tgz" | yq -c . >"$TEST_DIR/pub.json" || fail "helm show chart failed"
jq -e '.home == "https://las.example.org/src" and .sources == ["https://las.example.org/src"]
       and .icon == "https://charts.example.org/las/las-icon.svg"' "$TEST_DIR/pub.json" >/dev/null ||
  fail "published chart: $(jq -c '{home, sources, icon}' "$TEST_DIR/pub.json")"
yq -e '.entries.las[0] | .home == "https://las.example.org/src" and .icon == "https://charts.example.org/las/las-icon.svg"' \
  "$pub/index.yaml" >/dev/null || fail "the index lacks home or icon: $(cat "$pub/index.yaml")"
# --project-url does the same as LAS_PROJECT_URL.
expect_rc 0 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$TEST_DIR/pub2" --publish --url https://charts.example.org/las \
  --project-url https://las.example.org/src
"$HELM" show chart "$TEST_DIR/pub2/las-$version.tgz" | yq -e '.home == "https://las.example.org/src"' >/dev/null ||
  fail "--project-url not used"
# The URL fields come from scripts/helm-repo only: a Chart.yaml with one is refused.
mkdir -p "$TEST_DIR/tree/scripts" "$TEST_DIR/tree/deploy/helm"
cp "$LAS_SOURCE_DIR/scripts/helm-repo" "$TEST_DIR/tree/scripts/"
cp -r "$CHART" "$TEST_DIR/tree/deploy/helm/las"
echo 'home: https://elsewhere.example' >>"$TEST_DIR/tree/deploy/helm/las/Chart.yaml"
expect_rc 2 "$TEST_DIR/tree/scripts/helm-repo" --out "$TEST_DIR/tree/out"
expect_output "Chart.yaml sets 'home'; scripts/helm-repo adds it"
pass "--publish: home, sources and icon from LAS_PROJECT_URL/--project-url and --url, refused without them"

# A second chart version: both are listed, each with its own archive.
cp -r "$CHART" "$TEST_DIR/las"
sed -i "s/^version: .*/version: 99.0.0/" "$TEST_DIR/las/Chart.yaml"
expect_rc 0 "$HELM" package "$TEST_DIR/las" --destination "$repo"
expect_rc 0 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$repo" --url "$url"
versions=$(yq -r '[.entries.las[].version] | sort | join(" ")' "$repo/index.yaml")
[ "$versions" = "$(printf '%s\n' "$version" 99.0.0 | sort | tr '\n' ' ' | sed 's/ $//')" ] ||
  fail "after a second version the index lists: $versions"
pass "a second version is added next to the first"

if ! command -v python3 >/dev/null; then
  echo "note: python3 missing, helm repo add against a served repository not tried"
  exit 0
fi
: >"$TEST_DIR/http.log"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TEST_DIR" >"$TEST_DIR/http.log" 2>&1 &
http_pid=$!
CLEANUP_CMDS+=("kill $http_pid 2>/dev/null; wait $http_pid 2>/dev/null")
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$TEST_DIR/http.log" | sed -n 1p)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || fail "python3 http.server did not start: $(cat "$TEST_DIR/http.log")"
# Relative URLs this time, as Kubeapps and helm resolve them against the repository.
expect_rc 0 "$LAS_SOURCE_DIR/scripts/helm-repo" --out "$repo"
export HELM_CONFIG_HOME=$TEST_DIR/helm/config HELM_CACHE_HOME=$TEST_DIR/helm/cache HELM_DATA_HOME=$TEST_DIR/helm/data
expect_rc 0 "$HELM" repo add las-test "http://127.0.0.1:$port/repo"
expect_rc 0 "$HELM" search repo las-test/las --versions
expect_output "las-test/las[[:space:]]+99.0.0"
expect_output "las-test/las[[:space:]]+$version[[:space:]]+$app_version"
mkdir -p "$TEST_DIR/pulled"
expect_rc 0 "$HELM" pull las-test/las --version "$version" --destination "$TEST_DIR/pulled"
cmp "$TEST_DIR/pulled/las-$version.tgz" "$tgz" || fail "helm pull fetched a different archive"
pass "helm repo add / search repo / pull against the repository served on 127.0.0.1"
echo "helm-repo: all checks passed"
