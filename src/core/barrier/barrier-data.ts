/**
 * What the barrier's reads (barrier-reads.ts) and writes (barrier-writes.ts) share: the
 * physical store, the key state, the cache of decrypted values and the writes in flight.
 */
import type { StoreTimers } from '../metrics/registry.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import type { BarrierKeys } from './barrier-keys.js';
import { storageError } from './storage-errors.js';
import type { ValueCache } from './value-cache.js';
import type { WriteBehind } from './write-behind.js';

/**
 * A write issued and not yet committed, by key. Only the last write to a key puts its
 * value in the cache. On the write thread (SQLite) the thread's writes of one batch
 * commit together and only fail with the disk, so reads see the issued value at once
 * (`copy`, null = delete) and the next writer of a hot key need not wait for the commit;
 * elsewhere (`copy` undefined) reads go to the store, which orders them after the write.
 */
export interface Pending {
  seq: number;
  copy: Buffer | null | undefined;
  decoder?: (raw: Buffer) => unknown;
  decoded?: unknown;
}

export interface BarrierData {
  readonly physical: PhysicalBackend;
  readonly keys: BarrierKeys;
  readonly cache: ValueCache;
  readonly pending: Map<string, Pending>;
  /** Bumped by every write; a get only fills the cache if no write raced its physical read. */
  writeEpoch: number;
  /** Numbers the writes, so a settling write knows whether it is still its key's last. */
  pendingSeq: number;
  /** The write thread while unsealed, when the store offers one; null = write inline. */
  writer: WriteBehind | null;
  /** Settles once the last write thread has committed its writes and ended. */
  writerClosed: Promise<void>;
  /** The store's timers (`vault.<store>.get` …), bound once. */
  readonly timers: StoreTimers;
}

/** The store's get, its failures as clients should see them (storage-errors.ts). */
export async function physicalGet(d: BarrierData, key: string): Promise<Buffer | null> {
  const start = performance.now();
  try {
    const v = await d.physical.get(key);
    d.timers.get.observe(performance.now() - start);
    return v;
  } catch (e) {
    throw storageError(e, d.physical.name);
  }
}
