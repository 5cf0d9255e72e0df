/**
 * The security barrier: the only code that holds the physical store. Everything above it
 * sees plaintext Storage; everything below sees AES-256-GCM ciphertext keyed by a
 * term-numbered keyring, which itself sits at `core/keyring` encrypted under the root key.
 */
import { createHmac } from 'node:crypto';
import { badRequest, internalError, sealedError } from '../../sdk/errors.js';
import { PrefixStorage, type Storage, type StorageOp } from '../../sdk/storage.js';
import { zeroize } from '../../lib/secure.js';
import type { PhysicalBackend, TxOp } from '../../storage/physical.js';
import { decrypt, DecryptError, encrypt, KEY_BYTES } from './aes-gcm.js';
import { Keyring } from './keyring.js';
import { WriteBehind } from './write-behind.js';
import { ValueCache } from './value-cache.js';
import { storageError } from './storage-errors.js';

/** Physical key of the encrypted keyring. */
export const KEYRING_PATH = 'core/keyring';

/**
 * Plaintext bootstrap records written straight to the physical store (the keyring here, the
 * seal config and sealed root key by the seal). A write through the barrier would clobber
 * them with ciphertext they cannot be read back from, so the barrier refuses it.
 */
const RESERVED = new Set([KEYRING_PATH, 'core/seal-config', 'core/root-key-sealed']);

// The keyring is sealed under the root key with this pseudo-term; real terms start at 1.
const ROOT_TERM = 0;

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
 * A write issued and not yet committed, by key. Only the last write to a key puts its
 * value in the cache. On the write thread (SQLite) the thread's writes of one batch
 * commit together and only fail with the disk, so reads see the issued value at once
 * (`copy`, null = delete) and the next writer of a hot key need not wait for the commit;
 * elsewhere (`copy` undefined) reads go to the store, which orders them after the write.
 */
interface Pending {
  seq: number;
  copy: Buffer | null | undefined;
  decoder?: (raw: Buffer) => unknown;
  decoded?: unknown;
}

/** Live key state; exists only while unsealed. */
interface Unsealed {
  keyring: Keyring;
  rootKey: Buffer;
  encryptions: number;
}

/**
 * AES-GCM barrier over a {@link PhysicalBackend}. Sealed until {@link unseal}; while sealed
 * every storage call throws the 503 sealed error. Not safe to share one physical store
 * between two barriers: the value cache assumes this barrier is the only writer.
 */
export class AesGcmBarrier implements Storage {
  private state: Unsealed | null = null;
  private readonly cache: ValueCache;
  // Bumped by every write; a get only fills the cache if no write raced its physical read.
  private writeEpoch = 0;
  // Serialises rotations so two concurrent calls cannot both build term N+1.
  private rotating: Promise<unknown> = Promise.resolve();
  /** The write thread while unsealed, when the store offers one; null = write inline. */
  private writer: WriteBehind | null = null;
  /** Settles once the last write thread has committed its writes and ended. */
  private writerClosed: Promise<void> = Promise.resolve();
  private readonly pending = new Map<string, Pending>();
  private pendingSeq = 0;
  private readonly useWriteThread: boolean;

  constructor(
    private readonly physical: PhysicalBackend,
    opts: BarrierOptions = {},
  ) {
    this.cache = new ValueCache(opts.cacheEntries ?? 10_000);
    this.useWriteThread = opts.writeThread ?? true;
  }

  /** True once a keyring exists in the physical store. */
  async isInitialized(): Promise<boolean> {
    return (await this.physical.get(KEYRING_PATH)) !== null;
  }

  /** Creates keyring term 1 and stores it under `rootKey`. Leaves the barrier sealed. */
  async initialize(rootKey: Buffer): Promise<void> {
    checkRootKey(rootKey);
    if (await this.isInitialized()) throw badRequest('Vault is already initialized');
    const ring = Keyring.create(Date.now());
    try {
      await this.persistKeyring(ring, rootKey);
    } finally {
      ring.zeroize();
    }
  }

  /** Decrypts the keyring with `rootKey`. A wrong key is a 400, never a crash. No-op if unsealed. */
  async unseal(rootKey: Buffer): Promise<void> {
    checkRootKey(rootKey);
    if (this.state !== null) return;
    const blob = await this.physical.get(KEYRING_PATH);
    if (blob === null) throw badRequest('Vault is not initialized');
    let raw: Buffer;
    try {
      raw = decrypt((t) => (t === ROOT_TERM ? rootKey : undefined), blob, KEYRING_PATH);
    } catch (e) {
      if (e instanceof DecryptError) throw badRequest('invalid key: unable to decrypt the barrier keyring');
      throw e;
    }
    try {
      const keyring = Keyring.deserialize(raw);
      // A concurrent unseal may have won while we awaited the read; keep the first one.
      if (this.state !== null) keyring.zeroize();
      else {
        this.state = { keyring, rootKey: Buffer.from(rootKey), encryptions: 0 };
        this.startWriter(keyring);
      }
    } catch (e) {
      throw internalError('barrier keyring is corrupt', e);
    } finally {
      zeroize(raw);
    }
  }

  /** Zeroes every key and cached plaintext. Idempotent. */
  seal(): void {
    const s = this.state;
    this.state = null;
    if (s === null) return;
    const w = this.writer;
    this.writer = null;
    // Writes already issued still commit (their callers wait for them); then the thread ends.
    if (w !== null) this.writerClosed = w.close();
    s.keyring.zeroize();
    zeroize(s.rootKey);
    this.cache.clear();
  }

  /** Settles once writes issued before the last seal are committed and the write thread has ended. */
  writesSettled(): Promise<void> {
    return this.writerClosed;
  }

  private startWriter(keyring: Keyring): void {
    const opener = this.physical.writerOpener;
    if (!this.useWriteThread || opener === undefined) return;
    const { term, key } = keyring.activeTerm();
    this.writer = new WriteBehind(opener, term, key, this.writerClosed, (dead) => {
      // A failed thread fails its pending writes; later writes go inline.
      if (this.writer === dead) this.writer = null;
    });
  }

  /** True until {@link unseal} succeeds, and again after {@link seal}. */
  isSealed(): boolean {
    return this.state === null;
  }

  /** Installs term N+1 (persisted first); later writes use it, older terms stay readable. */
  rotate(): Promise<{ term: number; installTime: number }> {
    const run = this.rotating.then(async () => {
      const s = this.unsealed();
      const next = s.keyring.withNewTerm(Date.now());
      try {
        await this.persistKeyring(next, s.rootKey);
      } catch (e) {
        next.zeroize();
        throw e;
      }
      if (this.state !== s) {
        // Sealed while writing: the new term is stored, but these keys must not outlive the seal.
        next.zeroize();
        throw sealedError();
      }
      s.keyring.zeroize();
      s.keyring = next;
      const { term, installTime, key } = next.activeTerm();
      this.writer?.setKey(term, key);
      return { term, installTime };
    });
    this.rotating = run.catch(() => undefined);
    return run;
  }

  /** The active term, when it was installed (epoch ms), and encryptions since unseal. */
  keyStatus(): { term: number; installTime: number; encryptions: number } {
    const s = this.unsealed();
    const { term, installTime } = s.keyring.activeTerm();
    return { term, installTime, encryptions: s.encryptions };
  }

  /**
   * Forgets every cached plaintext. HA: a standby's cache may hold values another node has
   * since overwritten, so it is dropped when the node becomes active (or steps down).
   */
  dropCache(): void {
    this.unsealed();
    this.writeEpoch++;
    this.cache.clear();
  }

  /** Re-reads `core/keyring` (another active node may have rotated) and installs it. */
  reloadKeyring(): Promise<void> {
    const run = this.rotating.then(async () => {
      const s = this.unsealed();
      const blob = await this.physical.get(KEYRING_PATH);
      if (blob === null) throw internalError('barrier keyring is missing');
      let raw: Buffer;
      try {
        raw = decrypt((t) => (t === ROOT_TERM ? s.rootKey : undefined), blob, KEYRING_PATH);
      } catch (e) {
        throw internalError('barrier keyring failed to decrypt', e);
      }
      try {
        const next = Keyring.deserialize(raw);
        if (this.state !== s) {
          next.zeroize();
          throw sealedError();
        }
        s.keyring.zeroize();
        s.keyring = next;
        const { term, key } = next.activeTerm();
        this.writer?.setKey(term, key);
      } finally {
        zeroize(raw);
      }
    });
    this.rotating = run.catch(() => undefined);
    return run;
  }

  /**
   * Reads `key` from the store, never from or into the cache, reloading the keyring once
   * when the value is under a term this node has not seen (a standby reading what the
   * active wrote after a rotation).
   */
  async getFresh(key: string): Promise<Buffer | null> {
    const blob = await this.physicalGet(key);
    if (blob === null) return null;
    const open = (): Buffer => decrypt((t) => this.unsealed().keyring.keyFor(t), blob, key);
    try {
      return open();
    } catch (e) {
      if (!(e instanceof DecryptError)) throw e;
      await this.reloadKeyring();
      try {
        return open();
      } catch (e2) {
        if (e2 instanceof DecryptError) throw internalError('barrier: stored value failed to decrypt', e2);
        throw e2;
      }
    }
  }

  /** A Storage chrooted below `prefix` (each mount gets one). */
  view(prefix: string): Storage {
    return new PrefixStorage(this, prefix);
  }

  async get(key: string): Promise<Buffer | null> {
    const s = this.unsealed();
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit.value === null ? null : Buffer.from(hit.value);
    return (await this.fetch(s, key))?.plain ?? null;
  }

  /**
   * The value as `decode` turns it into an object, shared between callers while the
   * cached plaintext is unchanged: hot records (KV metadata, the secret read again and
   * again) are then parsed once per write rather than once per read. `decode` must
   * return something callers cannot mutate (a frozen object); its identity is part of
   * the cache key, so two decoders of one key never see each other's output.
   */
  async getDecoded<T>(key: string, decode: (raw: Buffer) => T): Promise<T | null> {
    const s = this.unsealed();
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      if (hit.value === null) return null;
      if (hit.decoder !== decode) {
        hit.decoded = decode(hit.value);
        hit.decoder = decode;
      }
      return hit.decoded as T;
    }
    const missed = await this.fetch(s, key, decode);
    return missed === null ? null : (missed.decoded as T);
  }

  /**
   * A cache miss: read, decrypt, and fill the cache unless a write raced the read. With
   * `decode`, the decoded object is cached in the same step, so the slot and its object
   * always describe the same value.
   */
  private async fetch(s: Unsealed, key: string, decode?: (raw: Buffer) => unknown): Promise<{ plain: Buffer; decoded: unknown } | null> {
    const pending = this.pending.get(key);
    if (pending !== undefined && pending.copy !== undefined) {
      // Issued to the write thread but maybe not committed yet: the copy is the truth.
      if (pending.copy === null) return null;
      const plain = Buffer.from(pending.copy);
      if (decode === undefined) return { plain, decoded: undefined };
      if (pending.decoder !== decode) {
        pending.decoded = decode(pending.copy);
        pending.decoder = decode;
      }
      return { plain, decoded: pending.decoded };
    }
    const epoch = this.writeEpoch;
    const blob = await this.physicalGet(key);
    if (this.state !== s) throw sealedError();
    if (blob === null) {
      // Absence is cached too: backends probe keys that rarely exist (KV config, lockout
      // records) on every request, and this node is the only writer.
      if (epoch === this.writeEpoch) this.cache.set(key, null);
      return null;
    }
    let plain: Buffer;
    try {
      plain = decrypt((t) => s.keyring.keyFor(t), blob, key);
    } catch (e) {
      if (e instanceof DecryptError) throw internalError('barrier: stored value failed to decrypt', e);
      throw e;
    }
    const decoded = decode === undefined ? undefined : decode(plain);
    if (epoch === this.writeEpoch) this.cache.set(key, Buffer.from(plain), decode === undefined ? null : { decoder: decode, decoded });
    return { plain, decoded };
  }

  put(key: string, value: Buffer): Promise<void> {
    return this.transaction([{ op: 'put', key, value: Buffer.from(value) }]);
  }

  /**
   * `put`, with the object `decode` makes of `value` cached for {@link getDecoded}. The
   * cache keeps `value` itself, as the Storage contract hands it over.
   */
  putDecoded(key: string, value: Buffer, decode: (raw: Buffer) => unknown, decoded: unknown): Promise<void> {
    return this.transaction([{ op: 'put', key, value, decode, decoded }]);
  }

  delete(key: string): Promise<void> {
    return this.transaction([{ op: 'delete', key }]);
  }

  /**
   * Seals every put and commits all `ops` as one engine transaction (one request on etcd
   * and PostgreSQL; one commit of the write thread's batch on SQLite): all or nothing.
   * Put values are handed over (the cache keeps them). The cache takes the new values
   * only once the engine has committed them; until then reads see the old ones, except
   * on the write thread, whose reads see its issued copies (see {@link Pending}).
   */
  async transaction(ops: StorageOp[]): Promise<void> {
    const s = this.unsealed();
    for (const op of ops) checkWritable(op.key);
    if (ops.length === 0) return;
    const w = this.writer;
    const seq = ++this.pendingSeq;
    this.writeEpoch++;
    let puts = 0;
    for (const op of ops) {
      this.cache.delete(op.key);
      if (op.op === 'put') puts++;
      const p: Pending = { seq, copy: undefined };
      if (w !== null) {
        p.copy = op.op === 'put' ? op.value : null;
        if (op.op === 'put' && op.decode !== undefined) {
          p.decoder = op.decode;
          p.decoded = op.decoded;
        }
      }
      this.pending.set(op.key, p);
    }
    s.encryptions += puts;
    try {
      if (w !== null) await w.submitAll(ops.map((op) => op.key), ops.map((op) => (op.op === 'put' ? op.value : null)));
      else await this.commitInline(s, ops);
    } catch (e) {
      this.settle(s, ops, seq, false);
      throw storageError(e, this.physical.name);
    }
    this.settle(s, ops, seq, true);
  }

  /** One engine call for `ops`, sealed under the active term. */
  private commitInline(s: Unsealed, ops: StorageOp[]): Promise<void> {
    const { term, key: dek } = s.keyring.activeTerm();
    const sealed: TxOp[] = ops.map((op) => (op.op === 'put' ? { op: 'put', key: op.key, value: encrypt(dek, term, op.value, op.key) } : { op: 'delete', key: op.key }));
    if (sealed.length > 1) return this.physical.transaction(sealed);
    const only = sealed[0]!;
    return only.op === 'put' ? this.physical.put(only.key, only.value) : this.physical.delete(only.key);
  }

  /**
   * After the engine answered: committed values enter the cache (unless a later write to
   * the key is already issued, or the barrier was sealed meanwhile); on failure the keys
   * are dropped from the cache, the store's values being the old ones. Values the cache
   * does not keep are zeroed (they were handed over). The last op on a key is the one
   * that counts, as in the engine.
   */
  private settle(s: Unsealed, ops: StorageOp[], seq: number, committed: boolean): void {
    if (!committed) this.writeEpoch++;
    const seen = ops.length > 1 ? new Set<string>() : null;
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      let kept = false;
      if (seen === null || !seen.has(op.key)) {
        seen?.add(op.key);
        const mine = this.pending.get(op.key)?.seq === seq;
        if (mine) this.pending.delete(op.key);
        if (!committed) this.cache.delete(op.key);
        else if (mine && this.state === s) {
          if (op.op === 'delete') this.cache.set(op.key, null);
          else this.cache.set(op.key, op.value, op.decode === undefined ? null : { decoder: op.decode, decoded: op.decoded });
          kept = true;
        }
      }
      if (!kept && op.op === 'put') zeroize(op.value);
    }
  }

  /** The store's get, its failures as clients should see them (storage-errors.ts). */
  private async physicalGet(key: string): Promise<Buffer | null> {
    try {
      return await this.physical.get(key);
    } catch (e) {
      throw storageError(e, this.physical.name);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const s = this.unsealed();
    // A listing comes from the store, so writes still in flight below `prefix` land first.
    if (this.writer !== null) {
      for (const [k, p] of this.pending) {
        if (p.copy === undefined || !k.startsWith(prefix)) continue;
        await this.writer.idle();
        break;
      }
    }
    let out: string[];
    try {
      out = await this.physical.list(prefix);
    } catch (e) {
      throw storageError(e, this.physical.name);
    }
    if (this.state !== s) throw sealedError();
    return out;
  }

  /**
   * Seals snapshots: a tag over a snapshot's SHA256SUMS under a key derived from the root
   * key, so only this cluster can make one that passes its own check. The derived key is
   * taken now, so a save that outlives a seal still ends with a tag; it can only tag
   * snapshots, never decrypt anything.
   */
  snapshotSealer(): (sums: Buffer) => Buffer {
    const key = createHmac('sha256', this.unsealed().rootKey).update('ward snapshot seal v1').digest();
    return (sums) => createHmac('sha256', key).update(sums).digest();
  }

  /** Names the root key without revealing it (an HMAC under it), for snapshot headers. */
  rootKeyFingerprint(): string {
    return createHmac('sha256', this.unsealed().rootKey).update('ward snapshot keyring fingerprint v1').digest('hex').slice(0, 32);
  }

  /** Test hook: the live key Buffers (keyring terms and root key), not copies. */
  keyBuffersForTest(): Buffer[] {
    const s = this.state;
    return s === null ? [] : [...s.keyring.keyBuffers(), s.rootKey];
  }

  private unsealed(): Unsealed {
    if (this.state === null) throw sealedError();
    return this.state;
  }

  private async persistKeyring(ring: Keyring, rootKey: Buffer): Promise<void> {
    const raw = ring.serialize();
    try {
      await this.physical.put(KEYRING_PATH, encrypt(rootKey, ROOT_TERM, raw, KEYRING_PATH));
    } finally {
      zeroize(raw);
    }
  }
}

function checkRootKey(rootKey: Buffer): void {
  if (rootKey.length !== KEY_BYTES) throw badRequest(`invalid key: root key must be ${KEY_BYTES} bytes`);
}

function checkWritable(key: string): void {
  if (RESERVED.has(key)) throw internalError(`barrier: "${key}" is reserved`);
}
