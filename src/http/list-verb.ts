/**
 * Vault's custom `LIST` HTTP method. Node's parser (llhttp) has a fixed method table
 * without it, so the framing tracker (framing.ts) rewrites `LIST` to the equally long
 * `LOCK` on guarded connections before llhttp reads it, and refuses a client's own
 * `LOCK` (Vault serves none). On such a connection, `LOCK` therefore means `LIST`.
 */
import type { IncomingMessage } from 'node:http';
import { isGuarded } from './connection.js';

const PLACEHOLDER = 'LOCK';

/** True when `req` arrived as `LIST`. */
export function isListVerb(req: IncomingMessage): boolean {
  return req.method === PLACEHOLDER && isGuarded(req.socket);
}
