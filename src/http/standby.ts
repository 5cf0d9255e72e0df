/**
 * Requests that reach an HA standby (§1.6): forwarded to the active node over the cluster
 * port, the active's answer passed back unchanged; or, with forwarding disabled, refused by
 * the client (`X-Vault-No-Request-Forwarding`) or failing, a 307 to the active's api_addr.
 */
import type { IncomingMessage } from 'node:http';
import type { StandbyRoute } from '../core/api-types.js';
import type { Logger } from '../sdk/logical.js';
import { WardError } from '../sdk/errors.js';
import type { Rendered } from './render.js';
import { peerTls } from './peer-certs.js';
import { readBody, type WardHeaders } from './request.js';

/** `preread`: the body, when the caller already read it (a performance standby that chose to forward). */
export async function answerOnStandby(route: StandbyRoute, req: IncomingMessage, method: string, h: WardHeaders, limit: number, logger: Logger, preread?: Buffer): Promise<Rendered> {
  const url = req.url ?? '/';
  if (route.forwarding && !noForwarding(req.rawHeaders)) {
    const body = preread ?? (await readBody(req, h, limit));
    // The cluster listener is a plain node server, which does not parse the LIST verb.
    const target = method === 'LIST' ? { method: 'GET', url: withListQuery(url) } : { method, url };
    try {
      const tls = peerTls(req.socket);
      const r = await route.forward({ ...target, headers: req.rawHeaders, body, remoteAddress: req.socket.remoteAddress ?? '', remotePort: req.socket.remotePort ?? 0, ...(tls ? { tls } : {}) });
      return { status: r.status, headers: r.headers, body: r.body };
    } catch (e) {
      logger.warn('request forwarding failed; redirecting the client to the active node', { error: e instanceof Error ? e.message : String(e) });
    }
  }
  const active = await route.activeApiAddr();
  if (active === null || active === '') throw new WardError('standby', ['no active Vault instance found']);
  return { status: 307, headers: ['Location', redirectLocation(active, url)], body: '' };
}

/** Vault's rule: the active's scheme and host, the original path and query; https when no scheme. */
export function redirectLocation(apiAddr: string, originalUrl: string): string {
  let base: URL;
  try {
    base = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(apiAddr) ? apiAddr : `https://${apiAddr}`);
  } catch {
    throw new WardError('internal', [`invalid api_addr of the active node: ${apiAddr}`]);
  }
  return `${base.protocol}//${base.host}${originalUrl.startsWith('/') ? originalUrl : `/${originalUrl}`}`;
}

/** As Vault: a non-empty value turns forwarding off (even "false"). */
function noForwarding(raw: readonly string[]): boolean {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'x-vault-no-request-forwarding') return raw[i + 1]!.trim() !== '';
  }
  return false;
}

function withListQuery(url: string): string {
  const q = url.indexOf('?');
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  params.set('list', 'true');
  return `${q === -1 ? url : url.slice(0, q)}?${params.toString()}`;
}
