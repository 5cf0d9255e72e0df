/**
 * Which requests a performance standby answers itself: reads of KV mounts (v1 and v2: data,
 * metadata, config, GET and LIST), token lookups and capability checks. Everything else is
 * forwarded to the active node: writes, anything that could create a lease or a token
 * (response wrapping) or reach outside storage (dynamic secrets engines create credentials
 * on a read), and help. A request that turns out to need a write anyway is refused by the
 * standby's read-only storage and forwarded too (see standby-storage.ts).
 */
import type { Operation } from '../../sdk/logical.js';

export interface LocalCandidate {
  operation: Operation;
  /** Full request path below /v1/. */
  path: string;
  /** The type of the mount the path routes to; null when it routes nowhere. */
  mountType: string | null;
  wrapTtl: number;
}

const TOKEN_LOOKUPS = new Set(['auth/token/lookup', 'auth/token/lookup-self', 'auth/token/lookup-accessor']);
const CAPABILITIES = new Set(['sys/capabilities', 'sys/capabilities-self', 'sys/capabilities-accessor']);

export function servableLocally(c: LocalCandidate): boolean {
  if (c.wrapTtl > 0) return false;
  switch (c.mountType) {
    case 'kv':
      return c.operation === 'read' || c.operation === 'list';
    case 'token':
      return (c.operation === 'read' || c.operation === 'update') && TOKEN_LOOKUPS.has(c.path);
    case 'system':
      return c.operation === 'update' && CAPABILITIES.has(c.path);
    default:
      return false;
  }
}
