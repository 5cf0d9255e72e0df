{{/*
The bootstrap's command line, made from the typed bootstrap.* values. The Job finds every
server pod by the StatefulSet's selector and reaches each by IP, so the pods' certificate is
checked against a name the chart's certificate carries (ward.dnsNames); the sidecar reaches
its own server at 127.0.0.1. Refs are secret:NAME/KEY or configmap:NAME/KEY, read through the
API (nothing is mounted).
*/}}
{{- define "ward.bootstrap.names" -}}
{{- $b := .Values.bootstrap -}}
{{- $f := include "ward.fullname" . -}}
{{- dict "keys" (default (printf "%s-init" $f) $b.keysSecret) "provisioner" (default (printf "%s-provisioner-token" $f) $b.provisionerTokenSecret) "progress" (default (printf "%s-bootstrap-progress" $f) $b.progressSecret) | toJson -}}
{{- end -}}

{{/* Every secret:/configmap: reference the job reads (the job key first). */}}
{{- define "ward.bootstrap.refs" -}}
{{- $b := .Values.bootstrap -}}
{{- $refs := list (printf "secret:%s/%s" $b.jobKey.secretName $b.jobKey.privateKey) -}}
{{- if $b.jobKey.passphrase }}{{ $refs = append $refs (printf "secret:%s/%s" $b.jobKey.secretName $b.jobKey.passphrase) }}{{ end -}}
{{- $refs = concat $refs $b.pgpKeys $b.recoveryPgpKeys -}}
{{- with $b.policies.adminRef }}{{ $refs = append $refs . }}{{ end -}}
{{- with $b.policies.provisionerRef }}{{ $refs = append $refs . }}{{ end -}}
{{- $refs | toJson -}}
{{- end -}}

{{/* Names of the objects of `kind` (secret or configmap) among the references, in order, once each. */}}
{{- define "ward.bootstrap.refNames" -}}
{{- $out := list -}}
{{- range .refs -}}
{{- if hasPrefix (printf "%s:" $.kind) . -}}
{{- $out = append $out (regexReplaceAll "^[a-z]+:([^/]+)/.*$" . "${1}") -}}
{{- end -}}
{{- end -}}
{{- $out | uniq | toJson -}}
{{- end -}}

{{- define "ward.bootstrap.args" -}}
{{- $b := .Values.bootstrap -}}
{{- $f := include "ward.fullname" . -}}
{{- $secret := required "bootstrap.jobKey.secretName is required when bootstrap.enabled: the Secret holding the job's OpenPGP private key (it decrypts the root token and the shares it unseals with)" $b.jobKey.secretName -}}
{{- if and (empty $b.pgpKeys) (empty $b.recoveryPgpKeys) -}}
{{- fail "bootstrap.pgpKeys (or bootstrap.recoveryPgpKeys with an auto seal) is required when bootstrap.enabled: the public keys the key shares are encrypted to, one per share" -}}
{{- end -}}
{{- /* The chart knows the seal: a mismatch would only fail in the pod, after the install. */ -}}
{{- $seal := .Values.server.seal.type -}}
{{- if and (eq $seal "shamir") (empty $b.pgpKeys) -}}
{{- fail "server.seal.type is shamir: the bootstrap needs bootstrap.pgpKeys (the unseal key shares), not bootstrap.recoveryPgpKeys" -}}
{{- end -}}
{{- if and (ne $seal "shamir") (empty $b.recoveryPgpKeys) -}}
{{- fail (printf "server.seal.type is %s: the bootstrap needs bootstrap.recoveryPgpKeys (the recovery shares), not bootstrap.pgpKeys" $seal) -}}
{{- end -}}
{{- $n := include "ward.bootstrap.names" . | fromJson -}}
{{- $sel := list -}}
{{- range $k, $v := include "ward.selectorLabels" (dict "root" . "component" "server") | fromYaml -}}
{{- $sel = append $sel (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- $sidecar := include "ward.bootstrap.sidecar" . -}}
{{- $a := list "k8s" "bootstrap" -}}
{{- if $sidecar -}}
{{- /* Its own server, over the pod's loopback (in the chart's certificate, as for VAULT_ADDR). */ -}}
{{- $a = append $a (printf "-address=%s://127.0.0.1:%v" (include "ward.scheme" .) .Values.server.service.port) -}}
{{- if not .Values.insecure.disableTls }}{{ $a = append $a "-ca-cert=/ward/tls/ca.crt" }}{{ end -}}
{{- $a = append $a (printf "-init-pod=%s-0" $f) -}}
{{- else -}}
{{- $a = concat $a (list (printf "-pod-selector=%s" (join "," $sel)) (printf "-expected-pods=%s" (include "ward.replicas" .)) (printf "-pod-port=%v" .Values.server.service.port) (printf "-pod-scheme=%s" (include "ward.scheme" .))) -}}
{{- if not .Values.insecure.disableTls -}}
{{- $a = append $a "-ca-cert=/ward/tls/ca.crt" -}}
{{- $a = append $a (printf "-tls-server-name=%s" (default (printf "%s-0.%s-internal.%s.svc" $f $f .Release.Namespace) $b.tlsServerName)) -}}
{{- end -}}
{{- end -}}
{{- $a = append $a (printf "-bootstrap-pgp-key=secret:%s/%s" $secret $b.jobKey.privateKey) -}}
{{- if $b.jobKey.passphrase }}{{ $a = append $a (printf "-bootstrap-pgp-passphrase=secret:%s/%s" $secret $b.jobKey.passphrase) }}{{ end -}}
{{- if $b.pgpKeys -}}
{{- $a = append $a (printf "-pgp-keys=%s" (join "," $b.pgpKeys)) -}}
{{- $a = append $a (printf "-key-shares=%d" (len $b.pgpKeys)) -}}
{{- if not (kindIs "invalid" $b.keyThreshold) }}{{ $a = append $a (printf "-key-threshold=%d" (int $b.keyThreshold)) }}{{ end -}}
{{- end -}}
{{- if $b.recoveryPgpKeys -}}
{{- $a = append $a (printf "-recovery-pgp-keys=%s" (join "," $b.recoveryPgpKeys)) -}}
{{- $a = append $a (printf "-recovery-shares=%d" (len $b.recoveryPgpKeys)) -}}
{{- if not (kindIs "invalid" $b.recoveryThreshold) }}{{ $a = append $a (printf "-recovery-threshold=%d" (int $b.recoveryThreshold)) }}{{ end -}}
{{- end -}}
{{- $a = append $a (printf "-keys-secret=%s" $n.keys) -}}
{{- $a = append $a (printf "-provisioner-token-secret=%s" $n.provisioner) -}}
{{- $a = append $a (printf "-progress-secret=%s" $n.progress) -}}
{{- $a = append $a (printf "-admin-policy=%s" $b.policies.admin) -}}
{{- $a = append $a (printf "-provisioner-policy=%s" $b.policies.provisioner) -}}
{{- with $b.policies.adminRef }}{{ $a = append $a (printf "-admin-policy-file=%s" .) }}{{ end -}}
{{- with $b.policies.provisionerRef }}{{ $a = append $a (printf "-provisioner-policy-file=%s" .) }}{{ end -}}
{{- $a = append $a (printf "-kv-mount=%s" $b.policies.kvMount) -}}
{{- $a = append $a (printf "-audit-type=%s" $b.audit.type) -}}
{{- with $b.audit.path }}{{ $a = append $a (printf "-audit-path=%s" .) }}{{ end -}}
{{- if $b.audit.options -}}
{{- $opts := list -}}
{{- range $k, $v := $b.audit.options }}{{ $opts = append $opts (printf "%s=%s" $k $v) }}{{ end -}}
{{- $a = append $a (printf "-audit-options=%s" (join "," $opts)) -}}
{{- end -}}
{{- $a = append $a (printf "-provisioner-token-ttl=%s" $b.provisionerTokenTtl) -}}
{{- $a = append $a (printf "-revoke-root=%t" $b.revokeRoot) -}}
{{- $a = append $a (printf "-wait-timeout=%s" $b.waitTimeout) -}}
{{- if $sidecar }}{{ $a = append $a (printf "-watch=%s" $b.sidecar.watchInterval) }}{{ end -}}
{{- concat $a $b.args | toJson -}}
{{- end -}}

{{/* "true" when the bootstrap runs as a sidecar of the server pods (bootstrap.mode sidecar). */}}
{{- define "ward.bootstrap.sidecar" -}}
{{- if and .Values.bootstrap.enabled (eq .Values.bootstrap.mode "sidecar") }}true{{ end -}}
{{- end -}}

{{/*
The sidecar container (bootstrap.mode sidecar), in every server pod: hardened like the Job's
container (no capability: mlock is the server's), with its own volumes (bootstrap-tls holds
only ca.crt, never the server's key). No probes: the pod is ready when its server is.
*/}}
{{- define "ward.bootstrap.sidecarContainer" -}}
- name: bootstrap
  image: {{ include "ward.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command: {{ include "ward.command" . }}
  args: {{ include "ward.bootstrap.args" . }}
  env:
    # Compared with -init-pod: only pod 0's sidecar initializes.
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: POD_NAMESPACE
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
  resources:
    {{- toYaml .Values.bootstrap.resources | nindent 4 }}
  securityContext:
    {{- include "ward.containerSecurityContext" (dict "root" . "ipcLock" false) | nindent 4 }}
  volumeMounts:
    - {name: bootstrap-tmp, mountPath: /tmp}
    {{- if not .Values.insecure.disableTls }}
    - {name: bootstrap-tls, mountPath: /ward/tls, readOnly: true}
    {{- end }}
{{- end -}}

{{- define "ward.bootstrap.sidecarVolumes" -}}
- name: bootstrap-tmp
  emptyDir: {medium: Memory, sizeLimit: 16Mi}
{{- if not .Values.insecure.disableTls }}
- name: bootstrap-tls
  secret:
    secretName: {{ include "ward.tlsSecretName" . }}
    defaultMode: 288
    items: [{key: ca.crt, path: ca.crt}]
{{- end }}
{{- end -}}
