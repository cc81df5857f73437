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

{{/* The LAS image reference: a plain string as given, else repository@digest or repository:tag. */}}
{{- define "las.image" -}}
{{- $img := .Values.image -}}
{{- if kindIs "string" $img -}}
{{- $img -}}
{{- else if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) -}}
{{- end -}}
{{- end -}}

{{- define "las.imagePullPolicy" -}}
{{- if kindIs "string" .Values.image -}}IfNotPresent{{- else -}}{{ .Values.image.pullPolicy }}{{- end -}}
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
