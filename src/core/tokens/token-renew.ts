/**
 * Token renewal, by Vault's rule (framework.CalculateTTL from the expiration manager's
 * RenewToken): the client's increment when given; else the TTL the backend answers on
 * renewal; else the mount default. Login tokens ask their auth backend (it may refuse by
 * throwing; its TTL is the role's token_ttl, 0 when unset). A token of auth/token answers
 * with its own TTL as last granted, so `ttl=1h` renews to 1h, not to the mount's 768h.
 * The result is then capped like every TTL: from now, never past creation + max
 * (explicit max included); periodic tokens reset to their period.
 */
import { badRequest } from '../../sdk/errors.js';
import type { Connection } from '../../sdk/logical.js';
import { calculateTtl } from '../expiration/ttl.js';
import type { StoreCore } from './store-core.js';
import type { TokenEntry } from './types.js';

export async function renewToken(core: StoreCore, entry: TokenEntry, increment: number, connection?: Connection): Promise<{ entry: TokenEntry; warnings: string[] }> {
  const { deps } = core;
  if (entry.type === 'batch') throw badRequest('batch tokens cannot be renewed');
  if (!entry.renewable || entry.ttl === 0) throw badRequest('lease is not renewable');
  const granted = await deps.renewViaBackend(entry, increment, connection);
  const now = deps.clock.now();
  const { ttl, warnings } = calculateTtl({
    now,
    start: entry.creationTime,
    increment,
    backendTtl: granted ? granted.ttl : entry.ttl,
    defaultTtl: entry.defaultTtl || deps.defaultTtl(),
    period: entry.period,
    backendMaxTtl: granted?.maxTtl ?? 0,
    explicitMaxTtl: entry.explicitMaxTtl,
    maxTtl: entry.maxTtl || deps.maxTtl(),
  });
  const key = core.repo.keyOf(entry.id);
  const live = (await core.repo.get(key)) ?? entry;
  live.ttl = ttl;
  live.expireTime = now + ttl * 1000;
  live.lastRenewalTime = now;
  if (granted?.renewable === false) live.renewable = false;
  await core.repo.put(key, live);
  await deps.expiration.registerToken(key, live.expireTime, live.path);
  return { entry: live, warnings: [...(granted?.warnings ?? []), ...warnings] };
}
