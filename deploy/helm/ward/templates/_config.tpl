{{/*
Ward's server configuration (JSON in Vault's dialect), built as data so every value is
quoted correctly. Paths are the pod's mounts: /ward/tls (the TLS Secret), /ward/data (the
standalone PVC), /ward/etcd-tls. api_addr and cluster_addr come from the environment
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
{{- if $v.insecure.disableMlock -}}
{{- $_ := set $cfg "disable_mlock" true -}}
{{- end -}}
{{- if $v.insecure.runAsRoot -}}
{{- $_ := set $cfg "allow_root" true -}}
{{- end -}}
{{- toPrettyJson $cfg -}}
{{- end -}}
