{{/* Name of the chart, or nameOverride. */}}
{{- define "las.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: fullnameOverride, else RELEASE-las (just RELEASE when it contains the name). */}}
{{- define "las.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "las.selectorLabels" -}}
app.kubernetes.io/name: {{ include "las.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "las.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "las.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: attestation
app.kubernetes.io/part-of: las
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "las.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "las.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* An image reference, composed as widely used charts do (Bitnami's common
     helpers, prometheus-community's node-exporter):
     REGISTRY/REPOSITORY:TAG@DIGEST. Call with (dict "root" $ "image" IMAGE
     "field" "VALUE NAME" "tag" DEFAULT_TAG).
     REGISTRY: global.imageRegistry when set (a mirror for every image), else
     the image's own registry; empty: the repository alone. TAG: the image's
     tag, else DEFAULT_TAG. DIGEST, when set, pins the image: the runtime pulls
     by digest and the tag stays for the reader. An image without tag and
     digest is refused rather than left to mean "latest".
     A plain string is a complete reference and is used as given, except that
     global.imageRegistry replaces its registry. */}}
{{- define "las.imageRef" -}}
{{- $img := .image -}}
{{- $global := get (.root.Values.global | default dict) "imageRegistry" | default "" -}}
{{- /* The first path component names a registry when it holds a dot or a
       port, or is localhost (the rule of container runtimes). */ -}}
{{- $host := "^([^/]*[.:][^/]*|localhost)/" -}}
{{- if kindIs "string" $img -}}
{{- if $global -}}
{{- printf "%s/%s" $global (regexReplaceAll $host $img "") -}}
{{- else -}}
{{- $img -}}
{{- end -}}
{{- else -}}
{{- $repo := $img.repository | default "" -}}
{{- $own := $img.registry | default "" -}}
{{- if and $own (regexMatch $host $repo) -}}
{{- fail (printf "%s.repository %q starts with a registry and %s.registry is %q: put the registry in %s.registry and the rest in %s.repository, or set %s.registry to \"\"" .field $repo .field $own .field .field .field) -}}
{{- end -}}
{{- $tag := $img.tag | default .tag | default "" | toString -}}
{{- $digest := $img.digest | default "" -}}
{{- if not (or $tag $digest) -}}
{{- fail (printf "%s needs a tag or a digest" .field) -}}
{{- end -}}
{{- $ref := $repo -}}
{{- with ($global | default $own) -}}
{{- $ref = printf "%s/%s" . $repo -}}
{{- end -}}
{{- if $tag -}}
{{- $ref = printf "%s:%s" $ref $tag -}}
{{- end -}}
{{- if $digest -}}
{{- $ref = printf "%s@%s" $ref $digest -}}
{{- end -}}
{{- $ref -}}
{{- end -}}
{{- end -}}

{{/* The pull policy of an image value: a plain string gets IfNotPresent. */}}
{{- define "las.pullPolicy" -}}
{{- if kindIs "string" . -}}IfNotPresent{{- else -}}{{ .pullPolicy | default "IfNotPresent" }}{{- end -}}
{{- end -}}

{{/* The LAS image (DaemonSet and test pod); its tag defaults to the chart's appVersion. */}}
{{- define "las.image" -}}
{{- include "las.imageRef" (dict "root" . "image" .Values.image "field" "image" "tag" .Chart.AppVersion) -}}
{{- end -}}

{{- define "las.imagePullPolicy" -}}
{{- include "las.pullPolicy" .Values.image -}}
{{- end -}}

{{/* True (non-empty) when LAS needs SGX: every mode but sim. */}}
{{- define "las.needsSGX" -}}
{{- if ne .Values.mode "sim" -}}true{{- end -}}
{{- end -}}

{{/* True when the SGX device nodes come by hostPath (and need a privileged container). */}}
{{- define "las.hostDevices" -}}
{{- if and (include "las.needsSGX" .) (eq .Values.useSGXDevPlugin "disabled") -}}true{{- end -}}
{{- end -}}

{{/* The AESM set-up in effect: none in sim mode, else .Values.aesmd. */}}
{{- define "las.aesmd" -}}
{{- if include "las.needsSGX" . -}}{{ .Values.aesmd }}{{- else -}}none{{- end -}}
{{- end -}}

{{/* Extended resources that the selected SGX device plugin serves (YAML map, maybe
     empty): call with (list ROOT EPC_MIB). */}}
{{- define "las.sgxLimits" -}}
{{- $root := index . 0 -}}
{{- $epc := int (index . 1) -}}
{{- if include "las.needsSGX" $root -}}
{{- /* Quantities as strings: server-side apply refuses plain numbers here. */ -}}
{{- if eq $root.Values.useSGXDevPlugin "scone" -}}
sgx.k8s.io/sgx: "1"
{{- else if eq $root.Values.useSGXDevPlugin "intel" -}}
sgx.intel.com/enclave: "1"
sgx.intel.com/provision: "1"
sgx.intel.com/epc: {{ printf "%dMi" $epc | quote }}
{{- else if eq $root.Values.useSGXDevPlugin "azure" -}}
sgx.intel.com/epc: {{ $epc | toString | quote }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* resources (a dict) with the SGX limits added: call with (list ROOT RESOURCES EPC_MIB). */}}
{{- define "las.resources" -}}
{{- $root := index . 0 -}}
{{- $res := deepCopy (index . 1 | default dict) -}}
{{- $sgx := fromYaml (include "las.sgxLimits" (list $root (index . 2))) | default dict -}}
{{- if $sgx -}}
{{- $_ := set $res "limits" (merge $sgx (get $res "limits" | default dict)) -}}
{{- end -}}
{{- toYaml $res -}}
{{- end -}}

{{/* A container's securityContext: call with (list ROOT SECURITYCONTEXT). With host
     devices the container must be privileged, which excludes
     allowPrivilegeEscalation: false and makes capabilities moot. */}}
{{- define "las.containerSecurityContext" -}}
{{- $root := index . 0 -}}
{{- $sc := deepCopy (index . 1 | default dict) -}}
{{- if include "las.hostDevices" $root -}}
{{- $sc = omit $sc "allowPrivilegeEscalation" "capabilities" -}}
{{- $_ := set $sc "privileged" true -}}
{{- end -}}
{{- toYaml $sc -}}
{{- end -}}

{{/* Volume mounts for SGX devices and the AESM socket, shared by LAS and the AESM sidecar. */}}
{{- define "las.sgxVolumeMounts" -}}
{{- if include "las.hostDevices" . }}
- name: sgx-enclave
  mountPath: /dev/sgx_enclave
- name: sgx-provision
  mountPath: /dev/sgx_provision
{{- end }}
{{- if ne (include "las.aesmd" .) "none" }}
- name: aesmd-socket
  mountPath: /var/run/aesmd
{{- if eq (include "las.aesmd" .) "host" }}
  # Connecting to a socket works through a read-only mount.
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{/* Where the test pod reaches LAS; empty when nothing is exposed. */}}
{{- define "las.testAddress" -}}
{{- if or .Values.hostNetwork (gt (int .Values.hostPort) 0) -}}
$(NODE_IP):{{ if .Values.hostNetwork }}{{ .Values.port }}{{ else }}{{ .Values.hostPort }}{{ end }}
{{- else if .Values.service.enabled -}}
{{ include "las.fullname" . }}.{{ .Release.Namespace }}.svc:{{ .Values.service.port }}
{{- end -}}
{{- end -}}
