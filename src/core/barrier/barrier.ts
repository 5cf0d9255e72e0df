/**
 * The security barrier: the only code that holds the physical store. Everything above it
 * sees plaintext Storage; everything below sees AES-256-GCM ciphertext keyed by a
 * term-numbered keyring, which itself sits at `core/keyring` encrypted under the root key.
 *
 * Split by noun: the keys and their lifecycle (barrier-keys.ts), reads (barrier-reads.ts),
 * writes and transactions (barrier-writes.ts), the state those two share (barrier-data.ts).
 */
import { storeTimers } from '../metrics/registry.js';
import { PrefixStorage, type Storage, type StorageOp } from '../../sdk/storage.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import { BarrierKeys } from './barrier-keys.js';
import type { BarrierData } from './barrier-data.js';
import { BarrierReads } from './barrier-reads.js';
import { BarrierWrites } from './barrier-writes.js';
import type { Keyring } from './keyring.js';
import { ValueCache } from './value-cache.js';
import { WriteBehind } from './write-behind.js';

export { KEYRING_PATH } from './barrier-keys.js';

/** Options for {@link AesGcmBarrier}. */
export interface BarrierOptions {
  /** Decrypted values kept for `get`; 0 disables the cache. Default 10,000. */
  cacheEntries?: number;
  /**
   * Seal and commit writes on a worker thread when the store can open a second
   * connection there (see write-behind.ts). Default true.
   */
  writeThread?: boolean;
}

/**
 * AES-GCM barrier over a {@link PhysicalBackend}. Sealed until {@link unseal}; while sealed
 * every storage call throws the 503 sealed error. Not safe to share one physical store
 * between two barriers: the value cache assumes this barrier is the only writer.
 */
export class AesGcmBarrier implements Storage {
  private readonly cache: ValueCache;
  private readonly keys: BarrierKeys;
  private readonly d: BarrierData;
  private readonly reads: BarrierReads;
  private readonly writes: BarrierWrites;
  private readonly useWriteThread: boolean;

  constructor(
    private readonly physical: PhysicalBackend,
    opts: BarrierOptions = {},
  ) {
    this.cache = new ValueCache(opts.cacheEntries ?? 10_000);
    this.useWriteThread = opts.writeThread ?? true;
    this.keys = new BarrierKeys(physical, {
      unsealed: (keyring) => this.startWriter(keyring),
      sealed: () => this.stopWriter(),
      activeKey: (term, key) => this.d.writer?.setKey(term, key),
    });
    this.d = { physical, keys: this.keys, cache: this.cache, pending: new Map(), writeEpoch: 0, pendingSeq: 0, writer: null, writerClosed: Promise.resolve(), timers: storeTimers(physical.name) };
    this.reads = new BarrierReads(this.d);
    this.writes = new BarrierWrites(this.d);
  }

  /** True once a keyring exists in the physical store. */
  isInitialized(): Promise<boolean> {
    return this.keys.isInitialized();
  }

  /** Creates keyring term 1 and stores it under `rootKey`. Leaves the barrier sealed. */
  initialize(rootKey: Buffer): Promise<void> {
    return this.keys.initialize(rootKey);
  }

  /** Decrypts the keyring with `rootKey`. A wrong key is a 400, never a crash. No-op if unsealed. */
  unseal(rootKey: Buffer): Promise<void> {
    return this.keys.unseal(rootKey);
  }

  /** Zeroes every key and cached plaintext. Idempotent. */
  seal(): void {
    this.keys.seal();
  }

  /** Settles once writes issued before the last seal are committed and the write thread has ended. */
  writesSettled(): Promise<void> {
    return this.d.writerClosed;
  }

  /** True until {@link unseal} succeeds, and again after {@link seal}. */
  isSealed(): boolean {
    return this.keys.state === null;
  }

  /** Installs term N+1 (persisted first); later writes use it, older terms stay readable. */
  rotate(): Promise<{ term: number; installTime: number }> {
    return this.keys.rotate();
  }

  /** The active term, when it was installed (epoch ms), and encryptions since unseal. */
  keyStatus(): { term: number; installTime: number; encryptions: number } {
    return this.keys.keyStatus();
  }

  /**
   * Forgets every cached plaintext. HA: a standby's cache may hold values another node has
   * since overwritten, so it is dropped when the node becomes active (or steps down).
   */
  dropCache(): void {
    this.keys.unsealed();
    this.d.writeEpoch++;
    this.cache.clear();
  }

  /**
   * Forgets the cached plaintext of `key` (a performance standby: another node changed it);
   * a read already in flight does not put the old value back.
   */
  invalidate(key: string): void {
    this.d.writeEpoch++;
    this.cache.delete(key);
  }

  /** Re-reads `core/keyring` (another active node may have rotated) and installs it. */
  reloadKeyring(): Promise<void> {
    return this.keys.reloadKeyring();
  }

  /**
   * Reads `key` from the store, never from or into the cache, reloading the keyring once
   * when the value is under a term this node has not seen (a standby reading what the
   * active wrote after a rotation).
   */
  getFresh(key: string): Promise<Buffer | null> {
    return this.reads.getFresh(key);
  }

  /** A Storage chrooted below `prefix` (each mount gets one). */
  view(prefix: string): Storage {
    return new PrefixStorage(this, prefix);
  }

  get(key: string): Promise<Buffer | null> {
    return this.reads.get(key);
  }

  /**
   * The value as `decode` turns it into an object, shared between callers while the
   * cached plaintext is unchanged: hot records (KV metadata, the secret read again and
   * again) are then parsed once per write rather than once per read. `decode` must
   * return something callers cannot mutate (a frozen object); its identity is part of
   * the cache key, so two decoders of one key never see each other's output.
   */
  getDecoded<T>(key: string, decode: (raw: Buffer) => T): Promise<T | null> {
    return this.reads.getDecoded(key, decode);
  }

  list(prefix: string): Promise<string[]> {
    return this.reads.list(prefix);
  }

  put(key: string, value: Buffer): Promise<void> {
    return this.writes.transaction([{ op: 'put', key, value: Buffer.from(value) }]);
  }

  /**
   * `put`, with the object `decode` makes of `value` cached for {@link getDecoded}. The
   * cache keeps `value` itself, as the Storage contract hands it over.
   */
  putDecoded(key: string, value: Buffer, decode: (raw: Buffer) => unknown, decoded: unknown): Promise<void> {
    return this.writes.transaction([{ op: 'put', key, value, decode, decoded }]);
  }

  delete(key: string): Promise<void> {
    return this.writes.transaction([{ op: 'delete', key }]);
  }

  /**
   * Seals every put and commits all `ops` as one engine transaction: all or nothing (see
   * barrier-writes.ts). Put values are handed over (the cache keeps them). Until the engine
   * has committed, reads see the old values, except on the write thread, whose reads see
   * its issued values (see barrier-data.ts `Pending`).
   */
  transaction(ops: StorageOp[]): Promise<void> {
    return this.writes.transaction(ops);
  }

  /**
   * Seals snapshots: a tag over a snapshot's SHA256SUMS under a key derived from the root
   * key, so only this cluster can make one that passes its own check. The derived key is
   * taken now, so a save that outlives a seal still ends with a tag; it can only tag
   * snapshots, never decrypt anything.
   */
  snapshotSealer(): (sums: Buffer) => Buffer {
    return this.keys.snapshotSealer();
  }

  /** Names the root key without revealing it (an HMAC under it), for snapshot headers. */
  rootKeyFingerprint(): string {
    return this.keys.rootKeyFingerprint();
  }

  /** Test hook: the live key Buffers (keyring terms and root key), not copies. */
  keyBuffersForTest(): Buffer[] {
    return this.keys.keyBuffersForTest();
  }

  private startWriter(keyring: Keyring): void {
    const opener = this.physical.writerOpener;
    if (!this.useWriteThread || opener === undefined) return;
    const { term, key } = keyring.activeTerm();
    this.d.writer = new WriteBehind(opener, term, key, this.d.writerClosed, (dead) => {
      // A failed thread fails its pending writes; later writes go inline.
      if (this.d.writer === dead) this.d.writer = null;
    });
  }

  /** On seal: writes already issued still commit (their callers wait for them); then the thread ends. */
  private stopWriter(): void {
    const w = this.d.writer;
    this.d.writer = null;
    if (w !== null) this.d.writerClosed = w.close();
    this.cache.clear();
  }
}
