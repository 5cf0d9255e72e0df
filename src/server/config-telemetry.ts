/**
 * The `telemetry { … }` stanza (disable_hostname, prometheus_retention_time,
 * unauthenticated_metrics_access, usage_gauge_period) and the listener's `telemetry { unauthenticated_metrics_access }`
 * block, where Vault puts that switch. Sinks that push elsewhere (statsd, dogstatsd, …) are
 * refused by name: Ward serves its metrics only through sys/metrics.
 */
import { parseDurationSeconds } from '../lib/duration.js';
import { VAULT_TELEMETRY_DEFAULTS, type TelemetryConfig } from '../core/metrics/telemetry.js';
import { bool, ConfigError, type Locator, type Obj } from './config.js';

const KEYS = new Set(['disable_hostname', 'prometheus_retention_time', 'unauthenticated_metrics_access', 'usage_gauge_period']);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `telemetry { … }` arrives as `[{…}]`; at most one. */
function bodies(v: unknown, where: string, loc: Locator, at: number): Obj[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every(isObj)) throw loc.error(`${where} must be a block like telemetry { … }`, 'telemetry', at);
  return list as Obj[];
}

export function parseTelemetry(root: Obj, loc: Locator): TelemetryConfig {
  const found = bodies(root['telemetry'], 'telemetry', loc, 0);
  if (found.length > 1) throw loc.error('only one telemetry stanza is allowed', 'telemetry', loc.offsetOf('telemetry', 0, 1));
  const body = found[0];
  if (!body) return { ...VAULT_TELEMETRY_DEFAULTS };
  const at = loc.offsetOf('telemetry');
  for (const k of Object.keys(body)) {
    if (!KEYS.has(k)) throw loc.error(`unknown key "${k}" in telemetry: Ward exports metrics only through sys/metrics`, k, at);
  }
  let retention = VAULT_TELEMETRY_DEFAULTS.prometheusRetentionSeconds;
  const raw = body['prometheus_retention_time'];
  if (raw !== undefined) {
    try {
      retention = parseDurationSeconds(raw);
    } catch {
      throw loc.error('prometheus_retention_time must be a duration such as "24h" or a number of seconds (0 turns the Prometheus format off)', 'prometheus_retention_time', at);
    }
    if (retention < 0) throw loc.error('prometheus_retention_time cannot be negative', 'prometheus_retention_time', at);
  }
  return {
    disableHostname: bool(body, 'disable_hostname', loc, at) ?? false,
    prometheusRetentionSeconds: retention,
    unauthenticatedMetricsAccess: bool(body, 'unauthenticated_metrics_access', loc, at) ?? false,
    usageGaugePeriodSeconds: usagePeriod(body['usage_gauge_period'], loc, at),
  };
}

/** Vault's `usage_gauge_period`: a duration (default 10m), or "none" (0 here): no usage gauges. */
function usagePeriod(raw: unknown, loc: Locator, at: number): number {
  if (raw === undefined) return VAULT_TELEMETRY_DEFAULTS.usageGaugePeriodSeconds;
  if (raw === 'none') return 0;
  let seconds = NaN;
  try {
    seconds = parseDurationSeconds(raw);
  } catch {
    // reported below
  }
  // 0 would be a collection loop without a pause; "none" is how Vault says "never".
  if (!(seconds > 0)) throw loc.error('usage_gauge_period must be a duration such as "10m" or "none"', 'usage_gauge_period', at);
  return seconds;
}

/** A listener's `telemetry { unauthenticated_metrics_access = … }`; undefined when absent. */
export function listenerTelemetry(o: Obj, loc: Locator, at: number): boolean | undefined {
  const found = bodies(o['telemetry'], "the listener's telemetry", loc, at);
  if (found.length === 0) return undefined;
  if (found.length > 1) throw new ConfigError(`${loc.file}: only one telemetry block is allowed in a listener`);
  const body = found[0] as Obj;
  for (const k of Object.keys(body)) {
    if (k !== 'unauthenticated_metrics_access') throw loc.error(`unknown key "${k}" in the listener's telemetry block`, k, at);
  }
  return bool(body, 'unauthenticated_metrics_access', loc, at);
}
