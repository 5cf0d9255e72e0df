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
  /** `usage_gauge_period` in seconds: how often token and lease usage gauges are collected; 0 ("none") = never. */
  usageGaugePeriodSeconds: number;
}

/** Vault's `usage_gauge_period` default: 10 minutes. */
export const USAGE_GAUGE_DEFAULT_PERIOD_SECONDS = 600;

export const PROMETHEUS_DEFAULT_RETENTION_SECONDS = 24 * 3600;

/** A config file without the stanza gets these (Vault's). */
export const VAULT_TELEMETRY_DEFAULTS: TelemetryConfig = Object.freeze({
  disableHostname: false,
  prometheusRetentionSeconds: PROMETHEUS_DEFAULT_RETENTION_SECONDS,
  unauthenticatedMetricsAccess: false,
  usageGaugePeriodSeconds: USAGE_GAUGE_DEFAULT_PERIOD_SECONDS,
});

/**
 * A core built without a config file (dev mode, tests, embedding) gets what Vault's dev
 * mode sets: no host name in the names, so dashboards match across machines.
 */
export const DEV_TELEMETRY: TelemetryConfig = Object.freeze({ ...VAULT_TELEMETRY_DEFAULTS, disableHostname: true });
