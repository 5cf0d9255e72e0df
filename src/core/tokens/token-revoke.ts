/**
 * Token revocation. A tree is collected breadth-first from the parent index, marked
 * pending (so every lookup fails at once), then revoked leaves-first: each token's leases,
 * cubbyhole, accessor, parent link, expiry and entry. Iterative, so deep trees are safe.
 */
import { badRequest } from '../../sdk/errors.js';
import { LoopSlice } from '../../lib/loop-slice.js';
import type { StoreCore } from './store-core.js';
import type { TokenEntry } from './types.js';

function refuseBatch(entry: TokenEntry): void {
  if (entry.type === 'batch') throw badRequest('batch tokens cannot be revoked');
}

/** Revokes the token, all its descendants and all their leases. */
export async function revokeTree(core: StoreCore, entry: TokenEntry): Promise<void> {
  refuseBatch(entry);
  const rootKey = core.repo.keyOf(entry.id);
  const order: string[] = [rootKey];
  const seen = new Set(order);
  for (let i = 0; i < order.length; i++) {
    for (const child of await core.repo.children(order[i] as string)) {
      if (seen.has(child)) continue;
      seen.add(child);
      order.push(child);
    }
  }
  for (const k of order) core.pending.add(k);
  const slice = new LoopSlice();
  for (let i = order.length - 1; i >= 0; i--) {
    await revokeOne(core, order[i] as string);
    await slice.pause();
  }
}

/** Revokes the token and its leases; its children become orphans. */
export async function revokeOrphan(core: StoreCore, entry: TokenEntry): Promise<void> {
  refuseBatch(entry);
  const key = core.repo.keyOf(entry.id);
  core.pending.add(key);
  for (const childKey of await core.repo.children(key)) {
    const child = await core.repo.get(childKey);
    if (child) {
      child.parent = '';
      await core.repo.put(childKey, child);
    }
    await core.repo.removeChild(key, childKey);
  }
  await revokeOne(core, key);
}

/** Revokes exactly one stored token (children untouched). Idempotent. */
export async function revokeOne(core: StoreCore, key: string): Promise<void> {
  const { deps, repo } = core;
  try {
    const entry = await repo.get(key);
    // Leases first: a token whose leases outlive it would leave them unrevocable by token.
    await deps.expiration.revokeByToken(key);
    // The rest is independent, so it shares one durable commit rather than one each (a
    // prefix of 100,000 token leases waited on five commits per token). The expiry
    // record goes last: if the process dies before, the record is still there and the
    // revocation is retried at restart (with the entry gone, it only unregisters).
    await Promise.all([
      entry === null
        ? undefined
        : deps.destroyCubbyhole(entry.id).catch((e: unknown) => {
            deps.logger.warn('tokens: failed to destroy cubbyhole', { accessor: entry.accessor, error: String(e) });
          }),
      entry === null ? undefined : repo.deleteAccessor(entry.accessor),
      entry?.parent ? repo.removeChild(repo.keyOf(entry.parent), key) : undefined,
      repo.delete(key),
    ]);
    await deps.expiration.unregisterToken(key);
  } finally {
    core.pending.delete(key);
    deps.onRevoked?.();
  }
}

/**
 * Called by the expiration manager when a token's expiry fires or its token lease is
 * revoked (sys/leases/revoke, revoke-prefix). The manager's record is authoritative for
 * timing (every renewal re-registers), so this revokes unconditionally.
 */
export async function revokeExpired(core: StoreCore, key: string): Promise<void> {
  const entry = await core.repo.get(key);
  if (!entry) {
    await core.deps.expiration.unregisterToken(key);
    return;
  }
  await revokeTree(core, entry);
}
