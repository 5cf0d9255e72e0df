/**
 * Lease tidy: drops expiry-index and per-token-index entries whose record is gone or has
 * moved, and (when the core wires `tokenExists`) revokes leases whose creating token no
 * longer exists. Works bucket by bucket on a time slice (lib/loop-slice.ts).
 */
import { BUCKETS, parseIndexKey, TOKEN_PREFIX, type LeaseStore } from './lease-store.js';
import type { Revoker } from './revoke.js';
import { LoopSlice } from '../../lib/loop-slice.js';
import { yieldToLoop } from './scheduler.js';
import type { ExpirationDeps } from './types.js';

export async function tidyLeases(deps: ExpirationDeps, store: LeaseStore, revoker: Revoker, stopped: () => boolean): Promise<void> {
  let removed = 0;
  let revoked = 0;
  const slice = new LoopSlice();
  for (const bucket of BUCKETS) {
    const names = await store.listBucket(bucket);
    for (let i = 0; i < names.length; i++) {
      if (stopped()) return;
      const name = names[i] as string;
      const parsed = parseIndexKey(name);
      let live = false;
      if (parsed) {
        const id = parsed.heapId.startsWith(TOKEN_PREFIX) ? await store.tokenLeaseId(parsed.heapId.slice(1)) : parsed.heapId;
        const rec = id === null ? null : await store.get(id);
        live = rec !== null && rec.expireTime === parsed.time;
      }
      if (!live) {
        await store.deleteIndexKey(bucket, name);
        removed++;
      }
      await slice.pause();
    }
  }
  for (const tokenKey of await store.indexedTokens()) {
    if (stopped()) return;
    const gone = deps.tokenExists ? !(await deps.tokenExists(tokenKey)) : false;
    for (const leaseId of await store.leasesOfToken(tokenKey)) {
      await slice.pause();
      const rec = await store.get(leaseId);
      if (!rec || rec.kind !== 'secret' || rec.tokenKey !== tokenKey) {
        await store.unlinkToken(tokenKey, leaseId);
        removed++;
      } else if (gone) {
        await revoker.revokeId(leaseId);
        revoked++;
      }
    }
    await yieldToLoop();
  }
  deps.logger.info('expiration: tidy finished', { removedIndexEntries: removed, revokedOrphanLeases: revoked });
}
