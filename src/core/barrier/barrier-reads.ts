/**
 * The barrier's reads: decrypted values from the cache, from a write still in flight on
 * the write thread, or from the store (then cached unless a write raced the read).
 */
import { barrierTimers } from '../metrics/registry.js';
import { internalError, sealedError } from '../../sdk/errors.js';
import { decrypt, DecryptError } from './aes-gcm.js';
import type { Unsealed } from './barrier-keys.js';
import { physicalGet, type BarrierData } from './barrier-data.js';
import { storageError } from './storage-errors.js';

export class BarrierReads {
  constructor(private readonly d: BarrierData) {}

  async get(key: string): Promise<Buffer | null> {
    const s = this.d.keys.unsealed();
    const hit = this.d.cache.get(key);
    if (hit !== undefined) {
      barrierTimers.get.observeInstant();
      return hit.value === null ? null : Buffer.from(hit.value);
    }
    const start = performance.now();
    const out = (await this.fetch(s, key))?.plain ?? null;
    barrierTimers.get.observe(performance.now() - start);
    return out;
  }

  /** See AesGcmBarrier.getDecoded. */
  async getDecoded<T>(key: string, decode: (raw: Buffer) => T): Promise<T | null> {
    const s = this.d.keys.unsealed();
    const hit = this.d.cache.get(key);
    if (hit !== undefined) {
      // The hot read: a map lookup, counted without the two clock reads timing it would cost.
      barrierTimers.get.observeInstant();
      if (hit.value === null) return null;
      if (hit.decoder !== decode) {
        hit.decoded = decode(hit.value);
        hit.decoder = decode;
      }
      return hit.decoded as T;
    }
    const pending = this.d.pending.get(key);
    if (pending !== undefined && pending.copy !== undefined) {
      // Issued to the write thread (a hot key being rewritten): its object, decoded once, no copy.
      if (pending.copy === null) return null;
      if (pending.decoder !== decode) {
        pending.decoded = decode(pending.copy);
        pending.decoder = decode;
      }
      return pending.decoded as T;
    }
    const start = performance.now();
    const missed = await this.fetch(s, key, decode);
    barrierTimers.get.observe(performance.now() - start);
    return missed === null ? null : (missed.decoded as T);
  }

  /** See AesGcmBarrier.getFresh. */
  async getFresh(key: string): Promise<Buffer | null> {
    const blob = await physicalGet(this.d, key);
    if (blob === null) return null;
    const open = (): Buffer => decrypt((t) => this.d.keys.unsealed().keyring.keyFor(t), blob, key);
    try {
      return open();
    } catch (e) {
      if (!(e instanceof DecryptError)) throw e;
      await this.d.keys.reloadKeyring();
      try {
        return open();
      } catch (e2) {
        if (e2 instanceof DecryptError) throw internalError('barrier: stored value failed to decrypt', e2);
        throw e2;
      }
    }
  }

  async list(prefix: string): Promise<string[]> {
    const listStart = performance.now();
    const d = this.d;
    const s = d.keys.unsealed();
    // A listing comes from the store, so writes still in flight on the thread below `prefix` land first.
    if (d.writer !== null) {
      for (const [k, p] of d.pending) {
        if (p.copy === undefined || !k.startsWith(prefix)) continue;
        await d.writer.idle();
        break;
      }
    }
    let out: string[];
    const start = performance.now();
    try {
      out = await d.physical.list(prefix);
      d.timers.list.observe(performance.now() - start);
    } catch (e) {
      throw storageError(e, d.physical.name);
    }
    if (d.keys.state !== s) throw sealedError();
    barrierTimers.list.observe(performance.now() - listStart);
    return out;
  }

  /**
   * A cache miss: read, decrypt, and fill the cache unless a write raced the read. With
   * `decode`, the decoded object is cached in the same step, so the slot and its object
   * always describe the same value. (getDecoded serves a write in flight itself.)
   */
  private async fetch(s: Unsealed, key: string, decode?: (raw: Buffer) => unknown): Promise<{ plain: Buffer; decoded: unknown } | null> {
    const d = this.d;
    const pending = d.pending.get(key);
    if (pending !== undefined && pending.copy !== undefined) {
      // Issued to the write thread but maybe not committed yet: the copy is the truth.
      return pending.copy === null ? null : { plain: Buffer.from(pending.copy), decoded: undefined };
    }
    const epoch = d.writeEpoch;
    const blob = await physicalGet(d, key);
    if (d.keys.state !== s) throw sealedError();
    if (blob === null) {
      // Absence is cached too: backends probe keys that rarely exist (KV config, lockout
      // records) on every request, and this node is the only writer.
      if (epoch === d.writeEpoch) d.cache.set(key, null);
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
    if (epoch === d.writeEpoch) d.cache.set(key, Buffer.from(plain), decode === undefined ? null : { decoder: decode, decoded });
    return { plain, decoded };
  }
}
