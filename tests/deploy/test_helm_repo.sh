#!/usr/bin/env bash
# scripts/helm-repo: the directory it writes is a chart repository: index.yaml
# lists the chart at the version of Chart.yaml, with the URL and the SHA-256
# of the archive beside it; the archive is the chart (helm template works on
# it); a second version lands next to the first. Where python3 is there to
# serve the directory on 127.0.0.1, `helm repo add` + `helm search repo` +
# `helm pull` run against it as a user would.
source "$(dirname "$0")/lib.sh"
need_yaml_tools
need_helm
export LAS_HELM=$HELM

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
