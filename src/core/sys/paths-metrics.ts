/**
 * `sys/metrics`: Vault's telemetry endpoint. JSON by default, the Prometheus text format
 * with `format=prometheus`; an unknown format gets Vault's plain-text 400. It needs a
 * token allowed to read `sys/metrics`, as in Vault without unauthenticated_metrics_access
 * (a listener with it answers before the pipeline: see http/handler.ts).
 */
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { MetricsAnswer } from '../metrics/serve.js';

export function metricsPaths(serve: (format: string) => Promise<MetricsAnswer>): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'metrics',
      fields: { format: field.string({ description: 'Empty for JSON, "prometheus" for the Prometheus text format.', query: true }) },
      operations: {
        read: async (_req, d): Promise<LogicalResponse> => ({ raw: await serve(d.get('format')) }),
      },
      synopsis: 'Telemetry metrics: JSON, or Prometheus text with format=prometheus.',
    }),
  ];
}
