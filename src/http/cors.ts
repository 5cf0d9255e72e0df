/**
 * What CORS does to a request, as Vault's wrapCORSHandler: nothing while it is off or
 * without an Origin header; a disallowed origin is refused 403 "origin not allowed"; a
 * preflight (OPTIONS) for an unknown method gets 405, an allowed one 200 (what Go sends when
 * Vault's handler returns without writing a status) with an empty body and the
 * Access-Control-* headers; any other request goes on with Access-Control-Allow-Origin
 * and Vary added to its response. Reads the config only: no work when CORS is off.
 */
import { originAllowed, type CorsConfig } from '../core/cors/cors-config.js';
import type { Rendered } from './render.js';

const ALLOWED_METHODS = ['DELETE', 'GET', 'OPTIONS', 'POST', 'PUT', 'LIST'];
const ALLOWED_METHODS_TEXT = ALLOWED_METHODS.join(',');

export type CorsOutcome = { answer: Rendered } | { headers: string[] } | null;

function header(raw: readonly string[], name: string): string {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) return raw[i + 1]!;
  return '';
}

export function corsOutcome(conf: CorsConfig | null, method: string, rawHeaders: readonly string[]): CorsOutcome {
  if (conf === null || !conf.enabled) return null;
  const origin = header(rawHeaders, 'origin');
  if (origin === '') return null;
  if (!originAllowed(conf, origin)) return { answer: { status: 403, body: JSON.stringify({ errors: ['origin not allowed'] }) } };
  if (method === 'OPTIONS') {
    if (!ALLOWED_METHODS.includes(header(rawHeaders, 'access-control-request-method'))) return { answer: { status: 405, body: '' } };
    return {
      answer: {
        status: 200,
        body: '',
        extraHeaders: [
          'Access-Control-Allow-Origin', origin,
          'Vary', 'Origin',
          'Access-Control-Allow-Methods', ALLOWED_METHODS_TEXT,
          'Access-Control-Allow-Headers', conf.allowedHeaders.join(','),
          'Access-Control-Max-Age', '300',
        ],
      },
    };
  }
  return { headers: ['Access-Control-Allow-Origin', origin, 'Vary', 'Origin'] };
}
