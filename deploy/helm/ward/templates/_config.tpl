{{/*
Ward's server configuration (JSON in Vault's dialect), built as data so every value is
quoted correctly. Paths are the pod's mounts: /ward/tls (the TLS Secret), /ward/data (the
standalone PVC), /ward/etcd-tls, /ward/seal (the static seal's key), /ward/seal-tls (the
transit seal server's CA); the transit seal's token is VAULT_TOKEN (a Secret). api_addr and cluster_addr come from the environment
(VAULT_API_ADDR, VAULT_CLUSTER_ADDR, set from the pod's name in the StatefulSet), the
PostgreSQL URL from VAULT_PG_CONNECTION_URL (a Secret), never from this ConfigMap.
*/}}
{{- define "ward.config" -}}
{{- $v := .Values -}}
{{- $tcp := dict "address" (printf "[::]:%v" $v.server.service.port) "cluster_address" (printf "[::]:%v" $v.server.service.clusterPort) -}}
{{- if $v.insecure.disableTls -}}
{{- $_ := set $tcp "tls_disable" true -}}
{{- else -}}
{{- $_ := set $tcp "tls_cert_file" "/ward/tls/tls.crt" -}}
{{- $_ := set $tcp "tls_key_file" "/ward/tls/tls.key" -}}
{{- $_ := set $tcp "tls_min_version" $v.tls.minVersion -}}
{{- end -}}
{{- $storage := dict -}}
{{- if eq $v.server.mode "standalone" -}}
{{- $_ := set $storage "sqlite" (dict "path" "/ward/data/ward.db") -}}
{{- else if eq $v.server.mode "ha-postgresql" -}}
{{- $pg := dict "ha_enabled" true "table" $v.server.postgresql.table "ha_table" $v.server.postgresql.haTable -}}
{{- $_ := set $storage "postgresql" $pg -}}
{{- else if eq $v.server.mode "ha-etcd" -}}
{{- $etcd := dict "address" (required "server.etcd.address is required in mode ha-etcd" $v.server.etcd.address) "etcd_api" "v3" "ha_enabled" true "path" $v.server.etcd.path -}}
{{- if $v.server.etcd.tlsSecret -}}
{{- $_ := set $etcd "tls_ca_file" "/ward/etcd-tls/ca.crt" -}}
{{- $_ := set $etcd "tls_cert_file" "/ward/etcd-tls/tls.crt" -}}
{{- $_ := set $etcd "tls_key_file" "/ward/etcd-tls/tls.key" -}}
{{- end -}}
{{- $_ := set $storage "etcd" $etcd -}}
{{- else -}}
{{- fail (printf "server.mode must be standalone, ha-postgresql or ha-etcd, not %q" $v.server.mode) -}}
{{- end -}}
{{- $cfg := dict "listener" (list (dict "tcp" $tcp)) "storage" $storage "log_level" $v.server.logLevel "cluster_name" (include "ward.fullname" .) -}}
{{- if $v.server.serviceRegistration -}}
{{- $_ := set $cfg "service_registration" (dict "kubernetes" (dict)) -}}
{{- end -}}
{{- /* Metric names without the pod's host name: Prometheus labels each series with its pod. */ -}}
{{- $_ := set $cfg "telemetry" (dict "disable_hostname" true) -}}
{{- if and (include "ward.ha" .) $v.server.performanceStandby -}}
{{- $_ := set $cfg "performance_standby" true -}}
{{- end -}}
{{- with $v.server.seal -}}
{{- if eq .type "transit" -}}
{{- $t := .transit -}}
{{- $_ := required "server.seal.transit.tokenSecret.name is required with a transit seal: the Secret holding its token" $t.tokenSecret.name -}}
{{- /* tls_skip_verify is always written: with no TLS key in the file, Ward (as Vault) would take VAULT_CACERT, the chart's own CA. */ -}}
{{- $transit := dict "address" (required "server.seal.transit.address is required with a transit seal" $t.address) "key_name" (required "server.seal.transit.keyName is required with a transit seal" $t.keyName) "mount_path" $t.mountPath "tls_skip_verify" false -}}
{{- if $t.caSecret }}{{ $_ := set $transit "tls_ca_cert" "/ward/seal-tls/ca.crt" }}{{ end -}}
{{- if $t.tlsServerName }}{{ $_ := set $transit "tls_server_name" $t.tlsServerName }}{{ end -}}
{{- $_ := set $cfg "seal" (dict "transit" $transit) -}}
{{- else if eq .type "static" -}}
{{- $_ := required "server.seal.static.keySecret.name is required with a static seal: the Secret holding the key" .static.keySecret.name -}}
{{- $_ := set $cfg "seal" (dict "static" (dict "current_key_id" (required "server.seal.static.keyId is required with a static seal" .static.keyId) "current_key" "file:///ward/seal/key")) -}}
{{- end -}}
{{- end -}}
{{- if $v.insecure.disableMlock -}}
{{- $_ := set $cfg "disable_mlock" true -}}
{{- end -}}
{{- if $v.insecure.runAsRoot -}}
{{- $_ := set $cfg "allow_root" true -}}
{{- end -}}
{{- toPrettyJson $cfg -}}
{{- end -}}
