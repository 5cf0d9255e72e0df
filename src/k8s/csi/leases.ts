import { ApiError, ConnectionError, type WardClient } from '../../api/index.js';
import { Lru } from './lru.js';

type Json = Record<string, unknown>;

/** A dynamic secret the provider handed to a pod, kept so the next Mount can renew it. */
export type HeldLease = { body: Json; leaseId: string; renewable: boolean; ttl: number; expiresAt: number };

/**
 * A lease is worth keeping while at least this share of its first lifetime is left; below it
 * (the max TTL is near, or a non-renewable lease is running out) fresh credentials are read,
 * well before the old ones stop working.
 */
export const KEEP_SHARE = 1 / 3;

/** Whether a held lease is reused: renewable ones after a renewal answered with `renewedTtl`. */
export function keepLease(held: HeldLease, now: number, renewedTtl: number | undefined): boolean {
  const floor = held.ttl * KEEP_SHARE * 1000;
  if (held.renewable) return renewedTtl !== undefined && renewedTtl * 1000 >= floor;
  return held.expiresAt - now >= floor;
}

/** The lease of a response, if it has one worth tracking (KV answers carry no lease_id). */
export function leaseOf(body: Json, now: number): HeldLease | undefined {
  const leaseId = typeof body['lease_id'] === 'string' ? body['lease_id'] : '';
  const ttl = typeof body['lease_duration'] === 'number' ? body['lease_duration'] : 0;
  if (leaseId === '' || ttl <= 0) return undefined;
  return { body, leaseId, renewable: body['renewable'] === true, ttl, expiresAt: now + ttl * 1000 };
}

/**
 * Per pod, the dynamic secrets it was given, by request. vault-csi-provider re-reads on every
 * rotation poll and so mints new database credentials each time; here a held lease is renewed
 * (by lease id, with the pod's token) and the same credentials are returned, so the object
 * version does not change, until renewal fails or stops extending the lease.
 */
export class LeaseKeeper {
  private readonly pods: Lru<Map<string, HeldLease>>;

  constructor(cacheSize: number, private readonly now: () => number = Date.now) {
    this.pods = new Lru(cacheSize);
  }

  async read(pod: string, request: string, client: WardClient, token: string, fetch: () => Promise<Json>): Promise<Json> {
    const held = this.pods.get(pod)?.get(request);
    if (held && held.expiresAt > this.now() && (await this.keep(held, client, token))) return held.body;
    const body = await fetch();
    const lease = leaseOf(body, this.now());
    let map = this.pods.get(pod);
    if (lease) {
      if (!map) this.pods.set(pod, (map = new Map()));
      map.set(request, lease);
    } else {
      map?.delete(request);
    }
    return body;
  }

  private async keep(held: HeldLease, client: WardClient, token: string): Promise<boolean> {
    let renewed: number | undefined;
    if (held.renewable) {
      try {
        const res = await client.request('PUT', 'sys/leases/renew', { token, body: { lease_id: held.leaseId, increment: held.ttl } });
        const d = res.body?.lease_duration;
        renewed = typeof d === 'number' ? d : undefined;
      } catch (e) {
        // A refused or unknown lease means fresh credentials; a network failure is the caller's.
        if (e instanceof ConnectionError || !(e instanceof ApiError)) throw e;
        renewed = undefined;
      }
    }
    const keep = keepLease(held, this.now(), renewed);
    if (keep && renewed !== undefined) held.expiresAt = this.now() + renewed * 1000;
    return keep;
  }
}
