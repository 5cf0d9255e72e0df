{{/*
The bootstrap Job's command line, made from the typed bootstrap.* values: `ward k8s bootstrap`
finds every server pod by the StatefulSet's selector and reaches each by IP, so the pods'
certificate is checked against a name the chart's certificate carries (ward.dnsNames). Refs
are secret:NAME/KEY or configmap:NAME/KEY, read through the API (nothing is mounted).
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
{{- $n := include "ward.bootstrap.names" . | fromJson -}}
{{- $sel := list -}}
{{- range $k, $v := include "ward.selectorLabels" (dict "root" . "component" "server") | fromYaml -}}
{{- $sel = append $sel (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- $a := list "k8s" "bootstrap" (printf "-pod-selector=%s" (join "," $sel)) (printf "-expected-pods=%s" (include "ward.replicas" .)) (printf "-pod-port=%v" .Values.server.service.port) (printf "-pod-scheme=%s" (include "ward.scheme" .)) -}}
{{- if not .Values.insecure.disableTls -}}
{{- $a = append $a "-ca-cert=/ward/tls/ca.crt" -}}
{{- $a = append $a (printf "-tls-server-name=%s" (default (printf "%s-0.%s-internal.%s.svc" $f $f .Release.Namespace) $b.tlsServerName)) -}}
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
{{- concat $a $b.args | toJson -}}
{{- end -}}
