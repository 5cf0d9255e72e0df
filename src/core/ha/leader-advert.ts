/**
 * The leader advertisement: what the active node tells standbys about itself, stored
 * inside the barrier at `core/leader/<node id>` (as Vault does) while the HA lock's value
 * is that node id. Being inside the barrier is what keeps the cluster key from anyone who
 * has not unsealed a member.
 */
import type { ClusterCert } from './cluster-cert.js';

export const LEADER_PREFIX = 'core/leader/';

export interface LeaderAdvert extends ClusterCert {
  apiAddr: string;
  clusterAddr: string;
  /** Epoch ms when the node became active. */
  activeSince: number;
}

/** Reads and writes the advertisement; the barrier's HA hooks make reads uncached. */
export interface AdvertStorage {
  getFresh(key: string): Promise<Buffer | null>;
  put(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
}

export async function writeAdvert(s: AdvertStorage, nodeId: string, advert: LeaderAdvert): Promise<void> {
  await s.put(LEADER_PREFIX + nodeId, Buffer.from(JSON.stringify(advert)));
}

export async function readAdvert(s: AdvertStorage, nodeId: string): Promise<LeaderAdvert | null> {
  const raw = await s.getFresh(LEADER_PREFIX + nodeId);
  if (raw === null) return null;
  const v = JSON.parse(raw.toString('utf8')) as Partial<LeaderAdvert>;
  if (typeof v.apiAddr !== 'string' || typeof v.clusterAddr !== 'string' || typeof v.certPem !== 'string' || typeof v.keyPem !== 'string') return null;
  return { apiAddr: v.apiAddr, clusterAddr: v.clusterAddr, certPem: v.certPem, keyPem: v.keyPem, activeSince: typeof v.activeSince === 'number' ? v.activeSince : 0 };
}

/** Removes every advertisement but `keep`'s (earlier actives that did not clean up after themselves). */
export async function clearOtherAdverts(s: AdvertStorage, keep: string): Promise<void> {
  for (const id of await s.list(LEADER_PREFIX)) if (id !== keep) await s.delete(LEADER_PREFIX + id);
}
