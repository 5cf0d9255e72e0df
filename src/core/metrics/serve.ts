/**
 * The answer to GET sys/metrics, from the authenticated route and from a listener with
 * `unauthenticated_metrics_access` alike: JSON by default, Prometheus text with
 * `format=prometheus` (while `prometheus_retention_time` is not 0), Vault's plain-text 400
 * for anything else.
 */
import { hostname } from 'node:os';
import { collectMetrics, type MetricSet } from './collect.js';
import { metricsJson, metricsPrometheus, PROMETHEUS_CONTENT_TYPE } from './render.js';
import type { TelemetryConfig } from './telemetry.js';
import { usageGauges, type UsageSources } from './usage.js';
import { registrySet } from './from-registry.js';

export interface MetricsAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** go-metrics puts the host name after the prefix of gauge names: `vault.<host>.core.unsealed`. */
function withHostname(set: MetricSet, host: string): MetricSet {
  return { ...set, gauges: set.gauges.map((gauge) => ({ ...gauge, name: gauge.name.replace(/^vault\./, `vault.${host}.`) })) };
}

export async function serveMetrics(format: string, config: TelemetryConfig, sources: UsageSources, nowMs: number): Promise<MetricsAnswer> {
  if (format !== '' && format !== 'prometheus') return { status: 400, contentType: 'text/plain', body: `metric response format ${JSON.stringify(format)} unknown` };
  if (format === 'prometheus' && config.prometheusRetentionSeconds === 0) return { status: 400, contentType: 'text/plain', body: 'prometheus is not enabled' };
  const base = collectMetrics();
  const fromRegistry = registrySet(nowMs, format === 'prometheus' ? config.prometheusRetentionSeconds * 1000 : Infinity);
  let set: MetricSet = {
    gauges: [...base.gauges, ...(await usageGauges(sources))],
    counters: [...base.counters, ...fromRegistry.counters],
    summaries: [...base.summaries, ...fromRegistry.summaries],
  };
  if (!config.disableHostname) set = withHostname(set, hostname());
  if (format === 'prometheus') return { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: metricsPrometheus(set) };
  return { status: 200, contentType: 'application/json', body: JSON.stringify(metricsJson(set, nowMs)) };
}
