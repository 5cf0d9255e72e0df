/**
 * The handler on a standby node: what a performance standby answers itself, and what
 * it forwards to (or redirects to) the active node.
 */
import type { IncomingMessage } from 'node:http';
import type { HttpRequestInput, StandbyRoute } from '../core/api-types.js';
import { renderResult, type Rendered } from './render.js';
import { readBody, type WardHeaders } from './request.js';
import { answerOnStandby } from './standby.js';
import type { Context } from './handler-context.js';
import { STREAMED_BODY_PATHS } from './body-routes.js';
import { inputFor, methodToOperation } from './request-input.js';

/** Methods a performance standby may answer itself (reads, lookups and capability checks). */
const LOCAL_METHODS = new Set(['GET', 'LIST', 'POST', 'PUT']);

/**
 * On a standby: a performance standby's own answer when it has one (marked
 * `X-Ward-Served-By: perf-standby`), else the active node's (forwarded, or a redirect).
 */
export async function onStandby(ctx: Context, route: StandbyRoute, req: IncomingMessage, h: WardHeaders, method: string, path: string, query: URLSearchParams): Promise<Rendered> {
  const local = route.local;
  if (local === undefined || !LOCAL_METHODS.has(method) || STREAMED_BODY_PATHS.has(path)) return answerOnStandby(route, req, method, h, ctx.limit, ctx.logger);
  const raw = method === 'POST' || method === 'PUT' ? await readBody(req, h, ctx.limit) : null;
  let input: HttpRequestInput | null = null;
  try {
    input = inputFor(ctx, req, h, methodToOperation(method, query), path, query, raw, null);
  } catch {
    // Malformed: the active node gives the client the error it would give.
  }
  const result = input === null ? null : await local(input, { index: headerValue(req.rawHeaders, 'x-vault-index'), inconsistent: headerValue(req.rawHeaders, 'x-vault-inconsistent') });
  if (result === null) return answerOnStandby(route, req, method, h, ctx.limit, ctx.logger, raw ?? Buffer.alloc(0));
  return { ...renderResult(result), extraHeaders: ['X-Ward-Served-By', 'perf-standby'] };
}

function headerValue(raw: readonly string[], name: string): string | null {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1]!;
  return null;
}
