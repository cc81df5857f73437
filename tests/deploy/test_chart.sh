#!/usr/bin/env bash
# The Helm chart deploy/helm/las: helm lint --strict; helm template of every
# useSGXDevPlugin x mode x aesmd combination, with assertions on the rendered
# DaemonSet (SGX resources, volumes, mounts, ports, probes, securityContext,
# sidecar); the other values (host network, Service, ServiceMonitor, image
# forms, scheduling, test hook, labels); and values.schema.json refusing bad
# values.
#
# Parsing: helm's output goes through yq (Debian's yq: a real YAML parser that
# turns each document into JSON) and the assertions are jq programs over the
# objects, so they do not depend on indentation, key order or quoting. Both
# come from scripts/install-deps; python3 is not needed by the test itself.
source "$(dirname "$0")/lib.sh"
need_yaml_tools
need_helm

CHART=$LAS_SOURCE_DIR/deploy/helm/las

# render NAME [helm args...]: helm template into $TEST_DIR/NAME.json (an array
# of the rendered objects); fails the test if helm fails.
render() {
  local name=$1
  shift
  "$HELM" template las-rel "$CHART" --namespace las-ns "$@" >"$TEST_DIR/$name.yaml" 2>"$TEST_DIR/$name.err" ||
    { cat "$TEST_DIR/$name.err" >&2; fail "helm template $* failed"; }
  yq -s -c '[.[] | select(. != null)]' "$TEST_DIR/$name.yaml" >"$TEST_DIR/$name.json" ||
    fail "helm template $* produced YAML that yq cannot parse"
}

# check NAME JQ_PROGRAM [jq args...]: the program yields an array of failure
# messages for the objects in NAME.json; any message fails the test.
check() {
  local name=$1 prog=$2
  shift 2
  local errors
  errors=$(jq -r "$@" "$JQ_LIB $prog | .[]" "$TEST_DIR/$name.json") || fail "jq failed on $name"
  [ -z "$errors" ] || fail "$name: $errors"
}

# Shared jq definitions: ds = the DaemonSet, las/aesm = its containers,
# want(cond; msg) = [] or [msg].
JQ_LIB='
def kinds(k): [.[] | select(.kind == k)];
def ds: kinds("DaemonSet")[0];
def pod: ds.spec.template.spec;
def ctr(n): [pod.containers[] | select(.name == n)][0];
def vol(n): [pod.volumes[]? | select(.name == n)][0];
def mount(c; n): [c.volumeMounts[]? | select(.name == n)][0];
def want(cond; msg): if cond then [] else [msg] end;
def sgxkeys(r): [(r.limits // {}) | keys[] | select(test("sgx"))] | sort;
'

# --- lint ---------------------------------------------------------------
expect_rc 0 "$HELM" lint --strict "$CHART"
expect_rc 0 "$HELM" lint --strict "$CHART" --set mode=sim,service.enabled=true,serviceMonitor.enabled=true
expect_rc 0 "$HELM" lint --strict "$CHART" --set useSGXDevPlugin=disabled,aesmd=sidecar \
  --set aesmdSidecar.image.repository=example.org/aesmd
expect_rc 0 "$HELM" lint --strict "$CHART" --set image=registry.example/las:1
pass "helm lint --strict (defaults and three variants)"

app_version=$(awk -F'"' '/^appVersion:/ {print $2}' "$CHART/Chart.yaml")
if [ -n "${LAS_BIN:-}" ]; then
  [ "las $app_version" = "$("$LAS_BIN" version)" ] ||
    fail "Chart.yaml appVersion $app_version is not the version of $LAS_BIN ($("$LAS_BIN" version))"
fi

# Every top-level value is in the schema.
for key in $(yq -r 'keys[]' "$CHART/values.yaml"); do
  yq -e --arg k "$key" '.properties | has($k)' "$CHART/values.schema.json" >/dev/null ||
    fail "value $key is not in values.schema.json"
done

# --- README.md: its values table is values.yaml --------------------------
# Each row of the table under "## Values" names values in its first cell
# (`a.b`, then `.c` for its sibling a.c) and gives their defaults in the
# second as YAML in backticks, one per value or one for all of them.
# Checked: every leaf of values.yaml is covered by a row that names it or a
# parent of it; every value a row names exists; every default is the one in
# values.yaml. So the table can neither miss a value nor keep a stale one.
readme=$CHART/README.md
awk '/^## / { in_values = ($0 == "## Values") } in_values && /^\| `/' "$readme" >"$TEST_DIR/readme-rows"
[ -s "$TEST_DIR/readme-rows" ] || fail "README.md has no values table under '## Values'"
: >"$TEST_DIR/readme-rows.yaml"
while IFS= read -r row; do
  keys=$(awk -F' [|] ' '{ sub(/^[|] /, ""); print $1 }' <<<"$row")
  defaults=$(awk -F' [|] ' '{ sub(/^[|] /, ""); print $2 }' <<<"$row")
  grep -Eqx '`[^`]+`(, `[^`]+`)*' <<<"$defaults" ||
    fail "README.md row $keys: the default must be YAML in backticks, one per value or one for all: $defaults"
  printf -- "- keys: [%s]\n  defaults:\n" "$(grep -o '`[^`]*`' <<<"$keys" | tr -d '`' | sed 's/.*/"&"/' | paste -sd, -)"
  grep -o '`[^`]*`' <<<"$defaults" | sed 's/^`\(.*\)`$/    - \1/'
done <"$TEST_DIR/readme-rows" >"$TEST_DIR/readme-rows.yaml"
yq -c . "$TEST_DIR/readme-rows.yaml" >"$TEST_DIR/readme-rows.json" ||
  fail "README.md: a default in the values table is not YAML ($TEST_DIR/readme-rows.yaml)"
yq -c . "$CHART/values.yaml" >"$TEST_DIR/values.json"
errors=$(jq -r --slurpfile values "$TEST_DIR/values.json" '
  $values[0] as $v
  # `a.b`, `.c` -> [a, b], [a, c]
  | def expand: reduce .[] as $i ({out: [], last: []};
      (if ($i | startswith(".")) then .last[0:-1] + ($i[1:] | split(".")) else $i | split(".") end) as $p
      | .out += [$p] | .last = $p) | .out;
  [.[] | .defaults as $d | (.keys | expand) as $k | {keys: $k, defaults: $d}] as $rows
  | [$rows[].keys[]] as $named
  | [$v | paths as $p | select(($p | all(type == "string")) and ($v | getpath($p) | type != "object" or length == 0)) | $p] as $leaves
  | [$leaves[] | . as $l | select([$named[] | . as $n | $l[0:($n | length)] == $n] | any | not)
     | "value \(join(".")) is not in the table"]
  + [$named[] | select(. as $n | $v | try (getpath($n) == null) catch true) | "the table names \(join(".")), which values.yaml does not have"]
  + [$rows[] | . as $r
     | if ($r.defaults | length) == ($r.keys | length) then [range($r.keys | length) | [$r.keys[.], $r.defaults[.]]]
       elif ($r.defaults | length) == 1 then [$r.keys[] | [., $r.defaults[0]]]
       else ["count", $r] end
     | if .[0] == "count" then "row \(.[1].keys | map(join(".")) | join(", ")): \(.[1].defaults | length) defaults for \(.[1].keys | length) values"
       else .[] | . as [$path, $want] | ($v | try getpath($path) catch null) as $have | select($have != $want)
         | "default of \($path | join(".")): the table says \($want | tojson), values.yaml \($have | tojson)" end]
  | .[]' "$TEST_DIR/readme-rows.json") || fail "jq failed on the README table"
[ -z "$errors" ] || fail "README.md values table: $errors"
grep -q 'deploy/helm/las/README.md' "$LAS_SOURCE_DIR/docs/deploy.md" || fail "docs/deploy.md does not point to the chart README"
pass "README.md values table: every value of values.yaml, with its default ($(wc -l <"$TEST_DIR/readme-rows") rows)"

# --- Chart.yaml: the Artifact Hub / Kubeapps metadata --------------------
# The URL fields are scripts/helm-repo's (tests/deploy/test_helm_repo.sh);
# the annotations are YAML of the forms Artifact Hub reads, and the images
# they list are the ones the chart runs with its defaults.
yq -c . "$CHART/Chart.yaml" >"$TEST_DIR/chart.json" || fail "Chart.yaml is not YAML"
for field in home sources icon; do
  if jq -e --arg f "$field" 'has($f)' "$TEST_DIR/chart.json" >/dev/null; then
    fail "Chart.yaml sets $field: the project has no URL of its own yet, scripts/helm-repo adds it"
  fi
done
spdx=$(grep -rhoE 'SPDX-License-Identifier: [^ ]+' "$LAS_SOURCE_DIR/src" "$LAS_SOURCE_DIR/include" | sort -u | awk '{print $2}')
[ "$(wc -l <<<"$spdx")" = 1 ] || fail "the sources carry several SPDX licenses: $spdx"
for a in changes images recommendations links; do
  jq -r --arg a "artifacthub.io/$a" '.annotations[$a] // ""' "$TEST_DIR/chart.json" | yq -c . >"$TEST_DIR/ah-$a.json" ||
    fail "annotation artifacthub.io/$a is not YAML"
done
render ah-defaults
errors=$(jq -r --arg spdx "$spdx" \
  --slurpfile changes "$TEST_DIR/ah-changes.json" --slurpfile images "$TEST_DIR/ah-images.json" \
  --slurpfile recs "$TEST_DIR/ah-recommendations.json" --slurpfile links "$TEST_DIR/ah-links.json" \
  --slurpfile rendered "$TEST_DIR/ah-defaults.json" '
  .annotations as $a
  | def want(cond; msg): if cond then [] else [msg] end;
  ($rendered[0] | [.. | objects | (.containers // empty, .initContainers // empty) | .[] | .image] | unique) as $ran
  | want($a["artifacthub.io/license"] == $spdx; "artifacthub.io/license \($a["artifacthub.io/license"]), the sources say \($spdx)")
  + want($a["artifacthub.io/category"] | IN("ai-machine-learning", "database", "integration-delivery", "monitoring-logging",
                                            "networking", "security", "storage", "streaming-messaging"); "artifacthub.io/category")
  + want([$a["artifacthub.io/prerelease", "artifacthub.io/containsSecurityUpdates"] | IN("true", "false")] | all;
         "prerelease / containsSecurityUpdates must be \"true\" or \"false\"")
  + want(($changes[0] | type == "array" and length > 0)
         and ($changes[0] | all(.kind | IN("added", "changed", "deprecated", "removed", "fixed", "security")))
         and ($changes[0] | all(.description | type == "string" and length > 0)); "artifacthub.io/changes: \($changes[0])")
  + want([$images[0][].image] | sort == $ran; "artifacthub.io/images \([$images[0][].image]), the chart runs \($ran)")
  + want($images[0] | all(.name | type == "string" and length > 0); "artifacthub.io/images: an image without name")
  + want([$images[0][] | select(.image | startswith("localhost/")) | .whitelisted] | all; "an image at localhost/ that Artifact Hub would try to scan")
  + want($recs[0] | all(.url | test("^https://artifacthub\\.io/packages/helm/[^/]+/[^/]+$")); "artifacthub.io/recommendations: \($recs[0])")
  + want($links[0] | all((.name | length > 0) and (.url | test("^https://[^ ]+$"))); "artifacthub.io/links: \($links[0])")
  + want(.maintainers | length > 0 and all(.name | length > 0); "maintainers")
  | .[]' "$TEST_DIR/chart.json") || fail "jq failed on Chart.yaml"
[ -z "$errors" ] || fail "Chart.yaml: $errors"
# The icon that scripts/helm-repo publishes: an SVG document (xq-python, of
# Debian's yq, parses XML).
command -v xq-python >/dev/null || fail "xq-python (Debian's yq package) is missing"
xq-python -e '.svg["@xmlns"] == "http://www.w3.org/2000/svg" and (.svg["@viewBox"] | length > 0)' "$CHART/icon.svg" >/dev/null ||
  fail "icon.svg is not an SVG document with a viewBox"
pass "Chart.yaml: no URL fields, Artifact Hub annotations (license as the sources, images as rendered, changes, recommendations)"

# --- every useSGXDevPlugin x mode x aesmd combination -------------------
# Expected: mode sim uses no SGX resources, devices or AESM; otherwise the
# plug-in decides the extended resources, "disabled" mounts the device nodes
# (privileged container), and aesmd decides the socket volume and sidecar.
COMBO_CHECKS='
($m != "sim") as $sgx
| (if $sgx then $a else "none" end) as $aesmd
| ($sgx and $p == "disabled") as $dev
| ctr("las") as $c
| (if $sgx then
     {scone: {"sgx.k8s.io/sgx": "1"},
      intel: {"sgx.intel.com/enclave": "1", "sgx.intel.com/provision": "1", "sgx.intel.com/epc": "512Mi"},
      azure: {"sgx.intel.com/epc": "512"},
      disabled: {}}[$p]
   else {} end) as $limits
| ($c.securityContext) as $sc
| want(kinds("DaemonSet") | length == 1; "not exactly one DaemonSet")
+ want(ds.metadata.labels["app.kubernetes.io/name"] == "las"
       and ds.metadata.labels["app.kubernetes.io/instance"] == "las-rel"
       and ds.metadata.labels["app.kubernetes.io/managed-by"] == "Helm"
       and (ds.metadata.labels["app.kubernetes.io/version"] | length > 0); "DaemonSet labels")
+ want(ds.spec.selector.matchLabels == {"app.kubernetes.io/name": "las", "app.kubernetes.io/instance": "las-rel"}; "selector")
+ want((pod.containers | map(.name)) == (if $aesmd == "sidecar" then ["las", "aesmd"] else ["las"] end); "containers \(pod.containers | map(.name))")
+ want($c.args[0:5] == ["serve", "--listen", "0.0.0.0:18766", "--state-dir", "/var/lib/las"]; "las args \($c.args)")
+ want(($c.args | index("--mode")) as $i | $c.args[$i + 1] == $m; "--mode not \($m)")
+ want([$c.env[] | select(.name | startswith("LAS_")) | {(.name): .value}] | add
       == {LAS_LISTEN: "0.0.0.0:18766", LAS_STATE_DIR: "/var/lib/las", LAS_MODE: $m, LAS_LOG_LEVEL: "info", LAS_LOG_FORMAT: "text", LAS_ALLOWED_HOSTS: "$(HOST_IP)"}; "LAS_* variables")
+ want($c.ports == [{name: "http", containerPort: 18766, hostPort: 18766, protocol: "TCP"}]; "ports \($c.ports)")
+ want($c.livenessProbe.httpGet == {path: "/healthz", port: "http"}; "liveness probe")
+ want($c.readinessProbe.httpGet == {path: "/readyz", port: "http"}; "readiness probe")
+ want($c.startupProbe.httpGet.path == "/healthz"; "startup probe")
+ want(vol("state").hostPath == {path: "/var/lib/las", type: "DirectoryOrCreate"}; "state volume")
+ want(mount($c; "state").mountPath == "/var/lib/las"; "state mount")
+ want(pod.securityContext.runAsNonRoot == true and pod.securityContext.seccompProfile.type == "RuntimeDefault"; "pod securityContext")
+ want(pod.automountServiceAccountToken == false; "service account token mounted")
+ want($sc.runAsNonRoot == true and $sc.runAsUser == 10001 and $sc.readOnlyRootFilesystem == true
       and $sc.seccompProfile.type == "RuntimeDefault"; "las securityContext \($sc)")
+ (if $dev then
     want($sc.privileged == true and ($sc | has("allowPrivilegeEscalation") | not); "host devices need privileged: \($sc)")
     + want(vol("sgx-enclave").hostPath == {path: "/dev/sgx_enclave", type: "CharDevice"}; "sgx_enclave volume")
     + want(vol("sgx-provision").hostPath == {path: "/dev/sgx_provision", type: "CharDevice"}; "sgx_provision volume")
     + want(mount($c; "sgx-enclave").mountPath == "/dev/sgx_enclave" and mount($c; "sgx-provision").mountPath == "/dev/sgx_provision"; "device mounts")
   else
     want(($sc.privileged // false) == false and $sc.allowPrivilegeEscalation == false and $sc.capabilities.drop == ["ALL"]
          and ($sc.capabilities.add // [] | length) == 0; "restrictive securityContext \($sc)")
     + want([pod.volumes[] | select(.hostPath.path // "" | startswith("/dev"))] == []; "device volumes without disabled")
   end)
+ want(sgxkeys($c.resources) == ($limits | keys | sort); "SGX resources \(sgxkeys($c.resources)), want \($limits | keys)")
+ want([$limits | to_entries[] | select($c.resources.limits[.key] != .value)] == []; "SGX resource amounts \($c.resources.limits)")
+ want($c.resources.requests.cpu == "50m" and $c.resources.limits.memory == "256Mi"; "user resources kept")
+ (if $aesmd == "host" then
     want(vol("aesmd-socket").hostPath.path == "/var/run/aesmd"; "aesmd host volume")
     + want(mount($c; "aesmd-socket") == {name: "aesmd-socket", mountPath: "/var/run/aesmd", readOnly: true}; "aesmd host mount")
   elif $aesmd == "sidecar" then
     ctr("aesmd") as $s
     | want(vol("aesmd-socket").emptyDir.medium == "Memory" and (vol("aesmd-socket") | has("hostPath") | not); "aesmd emptyDir")
     + want(mount($c; "aesmd-socket").mountPath == "/var/run/aesmd" and mount($s; "aesmd-socket").mountPath == "/var/run/aesmd"; "socket shared")
     + want($s.image == "example.org/aesmd:2.0"; "sidecar image \($s.image)")
     + want(sgxkeys($s.resources) == ($limits | keys | sort); "sidecar SGX resources")
     + want($s.resources.limits["sgx.intel.com/epc"] == {intel: "32Mi", azure: "32"}[$p]; "sidecar EPC \($s.resources.limits)")
     + want(($s.securityContext.privileged // false) == $dev; "sidecar privileged only with host devices")
     + (if $dev then want(mount($s; "sgx-enclave").mountPath == "/dev/sgx_enclave"; "sidecar device mount") else [] end)
   else
     want(vol("aesmd-socket") == null and mount($c; "aesmd-socket") == null; "no AESM volume with aesmd \($aesmd)")
   end)
'
n=0
for p in scone intel azure disabled; do
  for m in auto sgx sim; do
    for a in host sidecar none; do
      name=combo-$p-$m-$a
      render "$name" --set "useSGXDevPlugin=$p,mode=$m,aesmd=$a" \
        --set aesmdSidecar.image.repository=example.org/aesmd,aesmdSidecar.image.tag=2.0
      check "$name" "$COMBO_CHECKS" --arg p "$p" --arg m "$m" --arg a "$a"
      n=$((n + 1))
    done
  done
done
[ "$n" -eq 36 ] || fail "ran $n combinations, expected 36"
pass "helm template: all $n useSGXDevPlugin x mode x aesmd combinations"

# --- defaults and other values ------------------------------------------
render defaults
check defaults '
  (kinds("Pod")[0]) as $t | ds.spec.selector.matchLabels as $sel
  | want(ctr("las").image == "localhost/las:\($v)"; "default image \(ctr("las").image)")
  + want((ctr("las").args | index("--mode")) as $i | ctr("las").args[$i + 1] == "sgx"; "default mode is not sgx: \(ctr("las").args)")
  + want([ctr("las").env[] | select(.name == "LAS_MODE")][0].value == "sgx"; "default LAS_MODE is not sgx")
  + want(pod.initContainers[0].securityContext.capabilities == {drop: ["ALL"], add: ["CHOWN", "FOWNER"]}; "init container capabilities")
  + want(pod.initContainers[0].command[2] | test("chown 10001:10001 /var/lib/las"); "init container chowns the state dir")
  + want(kinds("Service") == [] and kinds("ServiceMonitor") == [] and kinds("PodMonitor") == [] and kinds("NetworkPolicy") == []; "Service, monitor or NetworkPolicy by default")
  + want(pod.nodeSelector == {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}; "default nodeSelector \(pod.nodeSelector)")
  + want($t.spec.nodeSelector == pod.nodeSelector; "test pod nodeSelector")
  + want(ds.spec.revisionHistoryLimit == 10; "revisionHistoryLimit")
  + want(kinds("ServiceAccount")[0].automountServiceAccountToken == false; "service account")
  + want($t.metadata.annotations["helm.sh/hook"] == "test"; "test hook")
  + want($t.spec.containers[0].command == ["/usr/bin/las", "id", "--las", "$(NODE_IP):18766"]; "test command \($t.spec.containers[0].command)")
  + want($t.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath == "status.hostIP"; "test NODE_IP")
  + want($sel | to_entries | all(.value == $t.metadata.labels[.key]) | not; "test pod matches the DaemonSet selector")
  + want([.[] | select(.metadata.labels["app.kubernetes.io/managed-by"] != "Helm")] == []; "an object without the app.kubernetes.io labels")
' --arg v "$app_version"

render hostnet --set hostNetwork=true,hostPort=0
check hostnet '
  want(pod.hostNetwork == true and pod.dnsPolicy == "ClusterFirstWithHostNet"; "hostNetwork")
  + want(ctr("las").ports[0].hostPort == 18766 and ctr("las").ports[0].containerPort == 18766; "hostNetwork port")'

render nohostport --set hostPort=0
check nohostport '
  want(ctr("las").ports[0] | has("hostPort") | not; "hostPort 0 still renders a hostPort")
  + want(kinds("Pod") == []; "test pod without a way to reach LAS")'

render service --set hostPort=0,service.enabled=true,serviceMonitor.enabled=true,serviceMonitor.labels.release=prom
check service '
  kinds("Service")[0] as $s | kinds("ServiceMonitor")[0] as $sm
  | want($s.spec.internalTrafficPolicy == "Local" and $s.spec.ports[0].port == 18766 and $s.spec.ports[0].targetPort == "http"; "Service \($s.spec)")
  + want($s.spec.selector == ds.spec.selector.matchLabels; "Service selector")
  + want($sm.spec.endpoints[0] == {port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s"}; "ServiceMonitor endpoint")
  + want($sm.spec.selector.matchLabels == ds.spec.selector.matchLabels and $sm.metadata.labels.release == "prom"; "ServiceMonitor selector/labels")
  + want(kinds("Pod")[0].spec.containers[0].command[3] == "las-rel.las-ns.svc:18766"; "test pod address via the Service")'

# Kubernetes versions: kubeVersion admits 1.20 (the version the cluster
# suite runs); fields newer Kubernetes versions add are gated on
# .Capabilities.KubeVersion, and refused where leaving them out would change
# what the value means.
render k120 --kube-version 1.20.2
check k120 'want(kinds("DaemonSet") | length == 1; "no DaemonSet on 1.20")'
expect_rc 1 "$HELM" template x "$CHART" --kube-version 1.19.16
expect_output 'kubeVersion'
render k120-service --kube-version 1.20.2 --set service.enabled=true,service.internalTrafficPolicy=Cluster
check k120-service 'want(kinds("Service")[0].spec | has("internalTrafficPolicy") | not; "internalTrafficPolicy on 1.20")'
render k122-service --kube-version 1.22.0 --set service.enabled=true
check k122-service 'want(kinds("Service")[0].spec.internalTrafficPolicy == "Local"; "internalTrafficPolicy missing on 1.22")'
expect_rc 1 "$HELM" template x "$CHART" --kube-version 1.21.14 --set service.enabled=true
expect_output 'internalTrafficPolicy=Local needs Kubernetes 1.22'
expect_rc 1 "$HELM" template x "$CHART" --kube-version 1.21.14 --set updateStrategy.rollingUpdate.maxSurge=1
expect_output 'maxSurge needs Kubernetes 1.22'
render k122-surge --kube-version 1.22.0 --set updateStrategy.rollingUpdate.maxSurge=1,updateStrategy.rollingUpdate.maxUnavailable=0
check k122-surge 'want(ds.spec.updateStrategy.rollingUpdate == {maxSurge: 1, maxUnavailable: 0}; "maxSurge on 1.22")'
pass "helm template: Kubernetes 1.20 renders; 1.19 refused; internalTrafficPolicy and maxSurge gated on 1.22"

expect_rc 1 "$HELM" template x "$CHART" --set serviceMonitor.enabled=true
expect_output 'serviceMonitor.enabled needs service.enabled'
expect_rc 1 "$HELM" template x "$CHART" --set aesmd=sidecar
expect_output 'aesmdSidecar.image.repository'
expect_rc 0 "$HELM" template x "$CHART" --set aesmd=sidecar,mode=sim

render strimage --set image=registry.example:5000/team/las:1.2.3
check strimage 'want(ctr("las").image == "registry.example:5000/team/las:1.2.3" and ctr("las").imagePullPolicy == "IfNotPresent"; "plain-string image")'
echo 'image: "r.example/las:3"' >"$TEST_DIR/strimage-values.yaml"
render strimage-file -f "$TEST_DIR/strimage-values.yaml"
check strimage-file 'want(ctr("las").image == "r.example/las:3"; "string image from a values file")'
digest=sha256:$(printf '%064d' 0 | tr 0 a)
render digest --set image.registry=r.example,image.repository=las,image.digest=$digest,image.pullPolicy=Always
check digest 'want(ctr("las").image == "r.example/las:\($v)@\($d)" and ctr("las").imagePullPolicy == "Always"; "digest image \(ctr("las").image)")' \
  --arg d "$digest" --arg v "$app_version"

# --- images: REGISTRY/REPOSITORY:TAG@DIGEST, global.imageRegistry everywhere
# images = every container's image in every rendered object (DaemonSet
# containers and init container, the test pod), sorted.
IMG_LIB='def images: [.. | objects | (.containers // empty, .initContainers // empty) | .[] | .image] | sort;'
d1=sha256:$(printf '%064d' 0 | tr 0 1)
d2=sha256:$(printf '%064d' 0 | tr 0 2)
d3=sha256:$(printf '%064d' 0 | tr 0 3)
SIDECAR=(--set aesmd=sidecar,aesmdSidecar.image.registry=registry.example.com,aesmdSidecar.image.repository=sgx-aesmd)
render img-defaults
check img-defaults "$IMG_LIB"' want(images == ["docker.io/library/busybox:1.36", "localhost/las:\($v)", "localhost/las:\($v)"]; "default images \(images)")' \
  --arg v "$app_version"
# A mirror for every image: the LAS container, the init container, the AESM
# sidecar and the test pod.
render img-global --set global.imageRegistry=mirror.example.com:5000/proxy "${SIDECAR[@]}" --set aesmdSidecar.image.tag=2.25
check img-global "$IMG_LIB"' want(images == (["mirror.example.com:5000/proxy/las:\($v)", "mirror.example.com:5000/proxy/las:\($v)",
                                "mirror.example.com:5000/proxy/library/busybox:1.36", "mirror.example.com:5000/proxy/sgx-aesmd:2.25"] | sort);
                      "global.imageRegistry not applied to every image: \(images)")' --arg v "$app_version"
# Each image's own registry, and its digest (the init container's included):
# tag and digest together, the tag defaulting as without a digest.
render img-own --set image.registry=r.example:5000,image.repository=team/las,image.tag=1.2.3,image.digest=$d1 \
  --set volumePermissions.image.registry=quay.example,volumePermissions.image.digest=$d2 \
  "${SIDECAR[@]}" --set aesmdSidecar.image.digest=$d3
check img-own "$IMG_LIB"' want(images == (["r.example:5000/team/las:1.2.3@\($d1)", "r.example:5000/team/las:1.2.3@\($d1)",
                             "quay.example/library/busybox:1.36@\($d2)", "registry.example.com/sgx-aesmd@\($d3)"] | sort);
                   "registries and digests: \(images)")' --arg d1 "$d1" --arg d2 "$d2" --arg d3 "$d3"
# An empty registry leaves the repository alone (which may then name its registry).
render img-noreg --set image.registry=,image.repository=r.example/las,volumePermissions.image.registry=
check img-noreg 'want(ctr("las").image == "r.example/las:\($v)" and pod.initContainers[0].image == "library/busybox:1.36"; "empty registry: \(ctr("las").image), \(pod.initContainers[0].image)")' \
  --arg v "$app_version"
# A plain string is used as given; global.imageRegistry replaces its registry.
render img-str-global --set image=registry.example.com:5000/team/las:1.2.3,global.imageRegistry=mirror.example.com
check img-str-global 'want(ctr("las").image == "mirror.example.com/team/las:1.2.3" and kinds("Pod")[0].spec.containers[0].image == ctr("las").image; "string image with global.imageRegistry: \(ctr("las").image)")'
render img-str-short --set image=las@$d1,global.imageRegistry=mirror.example.com
check img-str-short 'want(ctr("las").image == "mirror.example.com/las@\($d)"; "string image without registry: \(ctr("las").image)")' --arg d "$d1"
# What cannot be composed is refused, naming the value.
expect_rc 1 "$HELM" template x "$CHART" --set image.repository=registry.example.com/las
expect_output 'image.repository "registry.example.com/las" starts with a registry and image.registry is "localhost"'
expect_rc 1 "$HELM" template x "$CHART" "${SIDECAR[@]}"
expect_output 'aesmdSidecar.image needs a tag or a digest'
expect_rc 1 "$HELM" template x "$CHART" --set volumePermissions.image.tag=
expect_output 'volumePermissions.image needs a tag or a digest'
# global is shared with a parent chart: keys of its own are its business.
expect_rc 0 "$HELM" template x "$CHART" --set global.storageClass=fast,global.imagePullSecrets[0]=x
pass "helm template: global.imageRegistry for every image, registries and digests (init container too), plain strings"

cat >"$TEST_DIR/sched-values.yaml" <<'EOF'
imagePullSecrets: [{name: las-pull}]
nodeSelector: {intel.feature.node.kubernetes.io/sgx: "true"}
tolerations: [{key: sgx, operator: Exists, effect: NoSchedule}]
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]}]
priorityClassName: system-node-critical
updateStrategy: {type: OnDelete}
stateDir: {hostPath: /srv/las, type: Directory}
volumePermissions: {enabled: false}
extraArgs: [--threads, "4"]
extraEnv: [{name: LAS_MAX_CONNECTIONS, value: "64"}]
command: [gramine-sgx, las]
podSecurityContext: {runAsNonRoot: true, runAsUser: 10001, supplementalGroups: [996]}
EOF
render sched -f "$TEST_DIR/sched-values.yaml"
check sched '
  want(pod.imagePullSecrets == [{name: "las-pull"}]; "imagePullSecrets")
  + want(pod.nodeSelector == {"intel.feature.node.kubernetes.io/sgx": "true", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}; "nodeSelector \(pod.nodeSelector)")
  + want(pod.tolerations[0].key == "sgx" and (kinds("Pod")[0].spec.tolerations | length) == 1; "tolerations (DaemonSet and test pod)")
  + want(pod.affinity.nodeAffinity != null and kinds("Pod")[0].spec.affinity != null; "affinity")
  + want(pod.priorityClassName == "system-node-critical"; "priorityClassName")
  + want(ds.spec.updateStrategy == {type: "OnDelete"}; "updateStrategy")
  + want(vol("state").hostPath == {path: "/srv/las", type: "Directory"} and mount(ctr("las"); "state").mountPath == "/var/lib/las"; "state dir")
  + want(pod.initContainers == null; "volumePermissions disabled")
  + want(ctr("las").args[-2:] == ["--threads", "4"] and ctr("las").command == ["gramine-sgx", "las"]; "extraArgs/command")
  + want([ctr("las").env[] | select(.name == "LAS_MAX_CONNECTIONS")][0].value == "64"; "extraEnv")
  + want(pod.securityContext.supplementalGroups == [996]; "supplementalGroups")
  + want(kinds("Pod")[0].spec.imagePullSecrets == [{name: "las-pull"}]; "test pod pull secret")'
# A simulated microcode update: sim.cpusvn reaches las serve in mode sim only.
render cpusvn --set mode=sim,sim.cpusvn=0f0f0204ff800f000000000000000000
check cpusvn '
  want(ctr("las").args[-2:] == ["--sim-cpusvn", "0f0f0204ff800f000000000000000000"]; "--sim-cpusvn \(ctr("las").args)")
  + want([ctr("las").env[] | select(.name == "LAS_SIM_CPUSVN")][0].value == "0f0f0204ff800f000000000000000000"; "LAS_SIM_CPUSVN")'
render cpusvn-sgx --set mode=sgx,sim.cpusvn=0f0f0204ff800f000000000000000000
check cpusvn-sgx 'want([ctr("las").args[], ctr("las").env[].name] | index("--sim-cpusvn") == null and index("LAS_SIM_CPUSVN") == null; "sim.cpusvn in mode sgx")'
# A default nodeSelector key is dropped with null; revisionHistoryLimit.
render nodesel --set 'nodeSelector.kubernetes\.io/arch=null' --set revisionHistoryLimit=3
check nodesel 'want(pod.nodeSelector == {"kubernetes.io/os": "linux"} and ds.spec.revisionHistoryLimit == 3; "nodeSelector null / revisionHistoryLimit: \(pod.nodeSelector)")'

# PodMonitor (no Service needed) and NetworkPolicy.
cat >"$TEST_DIR/netpol-values.yaml" <<'EOF2'
podMonitor: {enabled: true, labels: {release: prom}}
networkPolicy:
  enabled: true
  apiFrom: [{podSelector: {matchLabels: {app: enclave}}}]
  metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
EOF2
render netpol -f "$TEST_DIR/netpol-values.yaml"
check netpol '
  kinds("PodMonitor")[0] as $pm | kinds("NetworkPolicy")[0] as $np
  | want($pm.spec.podMetricsEndpoints == [{port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s"}]; "PodMonitor endpoints")
  + want($pm.spec.selector.matchLabels == ds.spec.selector.matchLabels and $pm.metadata.labels.release == "prom"; "PodMonitor selector/labels")
  + want(kinds("Service") == []; "PodMonitor needs no Service")
  + want($np.spec.podSelector.matchLabels == ds.spec.selector.matchLabels; "NetworkPolicy selector")
  + want($np.spec.policyTypes == ["Ingress", "Egress"] and $np.spec.egress == []; "NetworkPolicy denies egress")
  + want($np.spec.ingress == [{from: [{podSelector: {matchLabels: {app: "enclave"}}}, {namespaceSelector: {matchLabels: {"kubernetes.io/metadata.name": "monitoring"}}}],
                               ports: [{port: "http", protocol: "TCP"}]}]; "NetworkPolicy ingress \($np.spec.ingress)")'
render netpol-none --set networkPolicy.enabled=true,networkPolicy.apiFrom=null
check netpol-none 'want(kinds("NetworkPolicy")[0].spec.ingress == []; "no peers: ingress denied")'
pass "helm template: default nodeSelector (null drops a key), revisionHistoryLimit, PodMonitor, NetworkPolicy"

# scripts/las-init and scripts/get-platform-ids find the LAS pods by
# instance, component and part-of, which a nameOverride leaves alone; the
# helm test pod must not match.
render renamed --set nameOverride=attest
check renamed '
  want(ds.metadata.labels["app.kubernetes.io/name"] == "attest"; "nameOverride not applied")
  + want(ds.spec.template.metadata.labels["app.kubernetes.io/instance"] == "las-rel"
         and ds.spec.template.metadata.labels["app.kubernetes.io/component"] == "attestation"
         and ds.spec.template.metadata.labels["app.kubernetes.io/part-of"] == "las"; "pod labels of the scripts selector")
  + want(kinds("Pod")[0].metadata.labels["app.kubernetes.io/component"] != "attestation"; "the test pod matches the scripts selector")'
pass "helm template: defaults, host network, Service, ServiceMonitor, image forms, scheduling, test hook"

# The example values files of docs/deploy.md.
EXAMPLES=$LAS_SOURCE_DIR/deploy/helm/examples
declare -A example_checks=(
  [sim]='want(sgxkeys(ctr("las").resources) == [] and kinds("Service") != [] and ctr("las").image == "registry.example.com/las:0.1.0"; "sim example")'
  [intel]='want(ctr("las").resources.limits["sgx.intel.com/epc"] == "512Mi" and ctr("las").command == ["gramine-sgx", "las"] and pod.nodeSelector != null; "intel example")'
  [azure-dcsv3]='want(ctr("las").resources.limits["sgx.intel.com/epc"] == "512" and sgxkeys(ctr("las").resources) == ["sgx.intel.com/epc"] and vol("aesmd-socket").hostPath.path == "/var/run/aesmd"; "azure example")'
  [sidecar-aesmd]='want((pod.containers | map(.name)) == ["las", "aesmd"] and ctr("aesmd").image == "registry.example.com/sgx-aesmd:2.25"; "sidecar example")'
)
for f in "$EXAMPLES"/*.yaml; do
  ex=$(basename "$f" .yaml)
  [ -n "${example_checks[$ex]:-}" ] || fail "example $ex has no check in this test"
  expect_rc 0 "$HELM" lint --strict "$CHART" -f "$f"
  render "example-$ex" -f "$f"
  check "example-$ex" "${example_checks[$ex]}"
  grep -q "examples/$ex.yaml" "$LAS_SOURCE_DIR/docs/deploy.md" || fail "docs/deploy.md does not mention examples/$ex.yaml"
done
pass "example values files: ${!example_checks[*]}"

# --dry-run shows the configuration and NOTES without a cluster.
expect_rc 0 "$HELM" install las-rel "$CHART" --namespace las-ns --dry-run=client --set mode=sim
expect_output 'kind: DaemonSet'
expect_output "grep 'public key' \| tail -n 1 \| awk '\{print \\\$8\}'"
expect_output 'las platform-ids - --allow-simulation --sim-root ROOTS.pem'
expect_output 'scripts/get-platform-ids -n las-ns -r las-rel --trust-sim-roots -- --allow-simulation'
expect_output 'exec "\$pod" -c las -- las id --las 127.0.0.1:18766'
expect_output 'WARNING: mode sim'
expect_rc 0 "$HELM" install las-rel "$CHART" --namespace las-ns --dry-run=client --set mode=sim,logFormat=json
expect_output "grep 'public key' \| tail -n 1 \| jq -r .msg \| awk '\{print \\\$6\}'"
# The defaults fail closed: mode sgx, and NOTES say what to set without SGX.
expect_rc 0 "$HELM" install las-rel "$CHART" --namespace las-ns --dry-run=client
expect_output 'one LAS per node, mode sgx'
expect_output 'Without them no LAS pod becomes Ready'
expect_output 'sgx.intel.com/epc resource'
expect_output 'helm upgrade las-rel -n las-ns --reuse-values --set mode=sim'
if grep -q 'WARNING: mode sim' "$TEST_DIR/out"; then fail "NOTES of the defaults speak of mode sim"; fi
expect_rc 0 "$HELM" install las-rel "$CHART" --namespace las-ns --dry-run=client --set mode=auto
expect_output 'WARNING: mode auto: outside an SGX enclave LAS falls back'
expect_rc 0 "$HELM" install las-rel "$CHART" --namespace las-ns --dry-run=client --set mode=sgx,aesmd=none
expect_output 'WARNING: aesmd=none in mode sgx'
expect_output 'scripts/get-platform-ids -n las-ns -r las-rel -- --las-mrsigner <HEX>'
pass "helm install --dry-run=client renders the objects and NOTES (platform IDs)"

# --- the schema refuses bad values --------------------------------------
bad=(
  "mode=enclave|/mode"
  "mode=SIM|/mode"
  "sim.cpusvn=0f0f|/sim/cpusvn"
  "useSGXDevPlugin=nvidia|/useSGXDevPlugin"
  "aesmd=both|/aesmd"
  "hostPort=http|/hostPort"
  "hostPort=70000|/hostPort"
  "port=0|/port"
  "hostNetwork=maybe|/hostNetwork"
  "sgxEpcMem=0|/sgxEpcMem"
  "sgxEpcMem=lots|/sgxEpcMem"
  "aesmdSidecar.sgxEpcMem=0|/aesmdSidecar/sgxEpcMem"
  "image.pullPolicy=Sometimes|/image/pullPolicy"
  "image.digest=md5:abc|/image/digest"
  "image.registry=https://r.example|/image/registry"
  "image.tag=-rc1|/image/tag"
  "global.imageRegistry=bad registry|/global/imageRegistry"
  "volumePermissions.image.digest=md5:abc|/volumePermissions/image/digest"
  "aesmdSidecar.image.digest=latest|/aesmdSidecar/image/digest"
  "aesmdSidecar.image.registry=r.example/|/aesmdSidecar/image/registry"
  "image.repository=|/image/repository"
  "imagePullSecrets[0]=las-pull|/imagePullSecrets"
  "service.type=Ingress|/service/type"
  "service.internalTrafficPolicy=Nearest|/service/internalTrafficPolicy"
  "stateDir.hostPath=var/lib/las|/stateDir/hostPath"
  "stateDir.type=File|/stateDir/type"
  "logFormat=xml|/logFormat"
  "updateStrategy.type=Recreate|/updateStrategy/type"
  "resources.limits.memory=lots|/resources/limits/memory"
  "serviceMonitor.interval=often|/serviceMonitor/interval"
  "nodeSelector.sgx=true|/nodeSelector/sgx"
  "typo=1|additional properties 'typo'"
)
for case in "${bad[@]}"; do
  set_arg=${case%%|*}
  where=${case#*|}
  expect_rc 1 "$HELM" template x "$CHART" --set "$set_arg"
  expect_output "schema"
  grep -qF -- "$where" "$TEST_DIR/err" || { cat "$TEST_DIR/err" >&2; fail "--set $set_arg: error does not name $where"; }
done
pass "values.schema.json refuses ${#bad[@]} bad values, naming the field"
echo "chart: all checks passed"
