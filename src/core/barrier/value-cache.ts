/**
 * The barrier's bounded cache of decrypted values (moved out of barrier.ts to keep that
 * file to the barrier itself).
 */
import { zeroize } from '../../lib/secure.js';

/**
 * One cached key: its plaintext (null = known absent) and, once asked for, the object
 * one decoder made of it. The decoded object is dropped with the slot; unlike the
 * Buffer it cannot be zeroed, so it lives until the next garbage collection.
 */
export interface Slot {
  value: Buffer | null;
  decoder?: (raw: Buffer) => unknown;
  decoded?: unknown;
}

/**
 * Bounded cache of decrypted values in two generations: new and recently read entries go
 * to `young`; when it fills, `old` is dropped (its Buffers zeroed) and `young` becomes
 * `old`. A hit in `old` moves the entry back to `young`. That approximates LRU without
 * deleting and re-inserting on every hit or evicting one entry per insert: V8 leaves a
 * hole per Map deletion, and finding the oldest entry past those holes made each insert
 * of a cold read cost ~20 µs once the working set outgrew the cache. Holds at most `max`
 * entries (two for a cache of one). Owns its Buffers and zeroes them when they leave.
 */
export class ValueCache {
  private young = new Map<string, Slot>();
  private old = new Map<string, Slot>();
  private readonly half: number;

  constructor(private readonly max: number) {
    this.half = Math.max(1, Math.floor(max / 2));
  }

  get(key: string): Slot | undefined {
    const y = this.young.get(key);
    if (y !== undefined) return y;
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.insert(key, o);
    }
    return o;
  }

  set(key: string, value: Buffer | null, seed: Omit<Slot, 'value'> | null = null): void {
    if (this.max <= 0) return;
    this.delete(key);
    this.insert(key, seed === null ? { value } : { value, decoder: seed.decoder, decoded: seed.decoded });
  }

  delete(key: string): void {
    const y = this.young.get(key);
    if (y !== undefined) {
      zeroize(y.value);
      this.young.delete(key);
    }
    const o = this.old.get(key);
    if (o !== undefined) {
      zeroize(o.value);
      this.old.delete(key);
    }
  }

  clear(): void {
    for (const v of this.young.values()) zeroize(v.value);
    for (const v of this.old.values()) zeroize(v.value);
    this.young.clear();
    this.old.clear();
  }

  private insert(key: string, slot: Slot): void {
    if (this.young.size >= this.half) {
      for (const v of this.old.values()) zeroize(v.value);
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, slot);
  }
}
