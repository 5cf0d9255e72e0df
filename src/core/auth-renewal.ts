/**
 * A token's renewal through the auth method that issued it: the method's renewAuth sees
 * the request Vault's token store would build, at the login path under its mount.
 */
import type { Connection, RenewResult } from '../sdk/logical.js';
import type { Router } from './router/router.js';
import type { TokenEntry } from './tokens/types.js';

/**
 * The token store's `renewViaBackend`: null when the login mount is gone or cannot renew.
 * `renewed` runs on each renewal the method grants, before the token store sees it.
 */
export function renewViaMount(
  router: Router,
  renewed: (entry: TokenEntry, result: RenewResult) => Promise<void>,
): (entry: TokenEntry, increment: number, connection?: Connection) => Promise<RenewResult | null> {
  return async (entry, increment, connection) => {
    const r = router.match(entry.path);
    if (!r || !r.backend.renewAuth || r.entry.type === 'token') return null;
    const result = await r.backend.renewAuth(
      {
        id: '',
        operation: 'update',
        path: entry.path.slice(r.prefix.length),
        data: {},
        storage: r.storage,
        mountPoint: r.prefix,
        mountType: r.entry.type,
        mountAccessor: r.entry.accessor,
        clientToken: '',
        caller: null,
        connection: connection ?? { remoteAddress: '', remotePort: 0 },
        headers: {},
        wrapTtl: 0,
      },
      { policies: entry.policies, metadata: entry.meta, internalData: entry.internalData, ttl: entry.ttl, increment, issueTime: entry.creationTime, period: entry.period },
    );
    await renewed(entry, result);
    return result;
  };
}
