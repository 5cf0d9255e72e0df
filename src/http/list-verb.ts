/**
 * Vault's custom `LIST` HTTP method. Node's parser (llhttp) has a fixed method table
 * without it: a connection switches to the framing tracker (framing.ts) at its first
 * LIST (connection.ts), and the tracker rewrites `LIST` to the equally long `LOCK`
 * before llhttp reads it, and refuses a client's own `LOCK` (Vault serves none). On a
 * tracked connection, `LOCK` therefore means `LIST`; on a native one it is a client's
 * `LOCK`, which the handler answers 405.
 */
import type { IncomingMessage } from 'node:http';
import { isTracked } from './connection.js';

const PLACEHOLDER = 'LOCK';

/** True when `req` arrived as `LIST`. */
export function isListVerb(req: IncomingMessage): boolean {
  return req.method === PLACEHOLDER && isTracked(req.socket);
}
