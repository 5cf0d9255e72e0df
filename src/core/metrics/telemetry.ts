/**
 * The `telemetry` settings that shape what sys/metrics serves. Vault's defaults: gauges
 * carry the host name (`vault.<host>.runtime.alloc_bytes`) unless `disable_hostname`, and
 * the Prometheus form is served while `prometheus_retention_time` (24h) is not 0.
 */
export interface TelemetryConfig {
  disableHostname: boolean;
  /** Seconds a series that stopped changing stays in the Prometheus form; 0 turns the form off. */
  prometheusRetentionSeconds: number;
  /** sys/metrics without a token on every listener (Vault has this per listener; see ListenerConfig). */
  unauthenticatedMetricsAccess: boolean;
}

export const PROMETHEUS_DEFAULT_RETENTION_SECONDS = 24 * 3600;

/** A config file without the stanza gets these (Vault's). */
export const VAULT_TELEMETRY_DEFAULTS: TelemetryConfig = Object.freeze({
  disableHostname: false,
  prometheusRetentionSeconds: PROMETHEUS_DEFAULT_RETENTION_SECONDS,
  unauthenticatedMetricsAccess: false,
});

/**
 * A core built without a config file (dev mode, tests, embedding) gets what Vault's dev
 * mode sets: no host name in the names, so dashboards match across machines.
 */
export const DEV_TELEMETRY: TelemetryConfig = Object.freeze({ ...VAULT_TELEMETRY_DEFAULTS, disableHostname: true });
