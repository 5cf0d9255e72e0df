{{/* Names: <release>-ward unless the release name already contains the chart name. */}}
{{- define "ward.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ward.fullname" -}}
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

{{- define "ward.labels" -}}
app.kubernetes.io/name: {{ include "ward.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{ include "ward.commonLabels" . }}
{{- end -}}

{{/* Labels beside the selector ones (pod templates add these to ward.selectorLabels). */}}
{{- define "ward.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of a component: pass (dict "root" $ "component" "server"). */}}
{{- define "ward.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ward.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ward.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "ward.ha" -}}
{{- if ne .Values.server.mode "standalone" }}true{{ end -}}
{{- end -}}

{{- define "ward.replicas" -}}
{{- if include "ward.ha" . }}{{ .Values.server.replicas }}{{ else }}1{{ end -}}
{{- end -}}

{{- define "ward.scheme" -}}
{{- if .Values.insecure.disableTls }}http{{ else }}https{{ end -}}
{{- end -}}

{{/* The Secret holding tls.crt, tls.key and ca.crt for the server listener. */}}
{{- define "ward.tlsSecretName" -}}
{{- if eq .Values.tls.source "secret" -}}
{{- required "tls.secretName is required when tls.source is \"secret\"" .Values.tls.secretName -}}
{{- else -}}
{{- printf "%s-tls" (include "ward.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* DNS names a client or a peer uses for the server: services, pods, loopback. */}}
{{- define "ward.dnsNames" -}}
{{- $f := include "ward.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- $names := list "localhost" $f (printf "%s.%s" $f $ns) (printf "%s.%s.svc" $f $ns) -}}
{{- range $svc := list "active" "standby" "internal" -}}
{{- $names = append $names (printf "%s-%s" $f $svc) -}}
{{- $names = append $names (printf "%s-%s.%s.svc" $f $svc $ns) -}}
{{- end -}}
{{- $names = append $names (printf "*.%s-internal" $f) -}}
{{- $names = append $names (printf "*.%s-internal.%s.svc" $f $ns) -}}
{{- if and .Values.ingress.enabled .Values.ingress.host -}}
{{- $names = append $names .Values.ingress.host -}}
{{- end -}}
{{- range .Values.tls.extraDnsNames }}{{ $names = append $names . }}{{ end -}}
{{- $names | uniq | toJson -}}
{{- end -}}

{{/*
Pod and container security contexts. Hardened unless an `insecure.*` value says otherwise;
each such value is echoed as a warning in NOTES.txt. Pass (dict "root" $ "uid" N "gid" N
"ipcLock" bool).
*/}}
{{- define "ward.podSecurityContext" -}}
{{- $root := .root.Values.insecure.runAsRoot -}}
runAsNonRoot: {{ not $root }}
runAsUser: {{ if $root }}0{{ else }}{{ .uid }}{{ end }}
runAsGroup: {{ if $root }}0{{ else }}{{ .gid }}{{ end }}
fsGroup: {{ .gid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "ward.containerSecurityContext" -}}
{{- $root := .root.Values.insecure.runAsRoot -}}
runAsNonRoot: {{ not $root }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ not .root.Values.insecure.writableRootFilesystem }}
privileged: false
capabilities:
  drop: [ALL]
  {{- if .ipcLock }}
  add: [IPC_LOCK]
  {{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The Ward image's entry point: the chart runs exactly the Dockerfile's ENTRYPOINT (test/integration/helm/image.test.ts). */}}
{{- define "ward.command" -}}
["/usr/local/bin/node", "/app/bin/ward"]
{{- end -}}

{{/* Addresses the injector, CSI provider, operator and bootstrap job use for the server. */}}
{{- define "ward.serverAddr" -}}
{{- if .Values.externalAddr -}}
{{- .Values.externalAddr -}}
{{- else -}}
{{- printf "%s://%s-active.%s.svc:%v" (include "ward.scheme" .) (include "ward.fullname" .) .Release.Namespace .Values.server.service.port -}}
{{- end -}}
{{- end -}}
