/**
 * What the handler answers before a request reaches the core's pipeline, as Vault's HTTP
 * layer does: sys/metrics on a listener with unauthenticated_metrics_access (no token,
 * sealed or not), the OpenMetrics Accept header meaning ?format=prometheus, and quotas
 * (a flood over its quota costs no body read, token lookup or backend call).
 */
import type { IncomingMessage } from 'node:http';
import type { CoreApi } from '../core/api-types.js';
import type { Rendered } from './render.js';

function wantsOpenMetrics(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && accept.includes('application/openmetrics-text');
}

/** For GET sys/metrics: the answer when this listener serves it without a token, else the query to go on with. */
export async function metricsFront(core: CoreApi, unauthenticated: boolean, req: IncomingMessage, query: URLSearchParams): Promise<{ answer: Rendered } | { query: URLSearchParams }> {
  // A scraper asking for OpenMetrics (Prometheus does) gets the Prometheus text without ?format.
  const q = query.get('format') === null && wantsOpenMetrics(req) ? new URLSearchParams('format=prometheus') : query;
  if (!unauthenticated || !core.metrics) return { query: q };
  const m = await core.metrics(q.get('format') ?? '');
  return { answer: { status: m.status, contentType: m.contentType, body: m.body } };
}

/** A quota's 429 (Vault's text, Retry-After and the rate-limit headers when enabled), or null. */
export function quotaRefusal(core: CoreApi, path: string, client: string): Rendered | null {
  const refused = core.rateLimited?.(path, client) ?? null;
  return refused === null ? null : { status: 429, body: JSON.stringify({ errors: [refused.message] }), extraHeaders: refused.headers };
}
