/**
 * `sys/metrics`: Vault's telemetry endpoint. JSON by default, the Prometheus text format
 * with `format=prometheus`; an unknown format gets Vault's plain-text 400. It needs a
 * token allowed to read `sys/metrics`, as in Vault without unauthenticated_metrics_access.
 */
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { Clock } from '../../lib/clock.js';
import { collectMetrics } from '../metrics/collect.js';
import { metricsJson, metricsPrometheus, PROMETHEUS_CONTENT_TYPE } from '../metrics/render.js';

export function metricsPaths(clock: Clock): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'metrics',
      fields: { format: field.string({ description: 'Empty for JSON, "prometheus" for the Prometheus text format.' }) },
      operations: {
        read: async (_req, d): Promise<LogicalResponse> => {
          const format = d.get('format');
          if (format === 'prometheus') return { raw: { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: metricsPrometheus(collectMetrics()) } };
          if (format !== '') return { raw: { status: 400, contentType: 'text/plain', body: `metric response format ${JSON.stringify(format)} unknown` } };
          return { raw: { status: 200, contentType: 'application/json', body: JSON.stringify(metricsJson(collectMetrics(), clock.now())) } };
        },
      },
      synopsis: 'Telemetry metrics: JSON, or Prometheus text with format=prometheus.',
    }),
  ];
}
