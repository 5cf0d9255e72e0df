/**
 * The storage a performance standby's subsystems run on: the barrier, read-only and
 * coherent with the change stream.
 *
 * Read-only: a write is refused with {@link ForwardToActive}, so a request that turns out
 * to need one (a token use, a lease, an upgrade on load) changes nothing here and is
 * forwarded to the active node instead.
 *
 * Coherent: a read that was in flight while an invalidation arrived may carry the value from
 * before the change, and a cache above the barrier (token entries, policies) would keep it
 * after the invalidation that should have dropped it. Such a read is repeated, so every
 * value a read returns is at least as new as every invalidation applied before it returned.
 */
import { PrefixStorage, type Storage } from '../../sdk/storage.js';

/** The request cannot be served on this standby; the caller forwards it to the active node. */
export class ForwardToActive extends Error {
  readonly code = 'perf_standby_forward';
  constructor(reason: string) {
    super(reason);
    this.name = 'ForwardToActive';
  }
}

/** Reads repeated because invalidations kept arriving; then the request is forwarded. */
const MAX_REREADS = 8;

export type BarrierReads = Pick<Storage, 'get' | 'list'> & { getDecoded<T>(key: string, decode: (raw: Buffer) => T): Promise<T | null> };

export class StandbyStorage implements Storage {
  /** Bumped by every invalidation (see perf-standby.ts). */
  private generation = 0;

  constructor(private readonly barrier: BarrierReads) {}

  /** Called once per applied change, after the barrier dropped the changed keys. */
  changed(): void {
    this.generation++;
  }

  get(key: string): Promise<Buffer | null> {
    return this.coherent(() => this.barrier.get(key));
  }

  getDecoded<T>(key: string, decode: (raw: Buffer) => T): Promise<T | null> {
    return this.coherent(() => this.barrier.getDecoded(key, decode));
  }

  list(prefix: string): Promise<string[]> {
    return this.coherent(() => this.barrier.list(prefix));
  }

  put(key: string, _value?: Buffer): Promise<void> {
    return Promise.reject(new ForwardToActive(`write of ${key} on a performance standby`));
  }

  putDecoded(key: string): Promise<void> {
    return this.put(key);
  }

  delete(key: string): Promise<void> {
    return Promise.reject(new ForwardToActive(`delete of ${key} on a performance standby`));
  }

  view(prefix: string): Storage {
    return new PrefixStorage(this, prefix);
  }

  /** One promise hop on the common path (a cache hit): this runs on every local read. */
  private coherent<T>(read: () => Promise<T>, tries = 0): Promise<T> {
    const g = this.generation;
    return read().then((v) => {
      if (g === this.generation) return v;
      if (tries >= MAX_REREADS) throw new ForwardToActive('reads kept racing invalidations');
      return this.coherent(read, tries + 1);
    });
  }
}
