/**
 * An in-process HA "engine" several InmemPhysical stores attach to, as several Ward nodes
 * attach to one etcd or PostgreSQL: shared data plus a TTL lock with renewal and
 * engine-side fencing, exactly per the HaLock contract in ../physical.ts. It exists so the
 * core's active/standby machinery can be tested in one process without a real engine.
 */
import { LockLostError, type HaBackend, type HaLock, type HeldLock } from '../physical.js';
import { InmemChangeLog } from './inmem-changes.js';

export interface InmemHaOptions {
  /** How long a holding survives without renewal; default 15 s (Vault's lock TTL order). */
  lockTtlMs?: number;
  /** How often a waiting node retries when it is not woken by a release; default TTL/5. */
  retryMs?: number;
}

/** One node's current or past holding of one lock key. */
interface Holding {
  id: number;
  node: object;
  value: string;
  expiresAt: number;
  /** Tells the holder the engine ended the holding (forced expiry, takeover after TTL). */
  ended: () => void;
}

/** A node's fence: the holding its writes are conditioned on (none before the first acquire). */
export interface Fence {
  key: string;
  id: number;
}

export class InmemHaEngine {
  /** The data every attached store reads and writes. */
  readonly data = new Map<string, Buffer>();
  /** Every committed write, numbered: the engine's change stream. */
  readonly changes = new InmemChangeLog();
  readonly lockTtlMs: number;
  readonly retryMs: number;
  private readonly locks = new Map<string, Holding>();
  private readonly wakers = new Set<() => void>();
  private readonly paused = new WeakSet<object>();
  private nextId = 1;

  constructor(opts: InmemHaOptions = {}) {
    this.lockTtlMs = opts.lockTtlMs ?? 15_000;
    this.retryMs = opts.retryMs ?? Math.max(10, Math.floor(this.lockTtlMs / 5));
  }

  /** The live holding of `key`, ending an expired one on the way (as a lease expiring in etcd). */
  private current(key: string): Holding | null {
    const h = this.locks.get(key);
    if (h === undefined) return null;
    if (h.expiresAt > Date.now()) return h;
    this.end(key, h);
    return null;
  }

  private end(key: string, h: Holding): void {
    if (this.locks.get(key) === h) this.locks.delete(key);
    // A paused node hears nothing; it finds out at its first renewal after resuming.
    if (!this.paused.has(h.node)) h.ended();
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Takes `key` for `node` when nobody holds it; null otherwise. */
  tryAcquire(key: string, node: object, value: string, ended: () => void): Holding | null {
    if (this.current(key) !== null) return null;
    const h: Holding = { id: this.nextId++, node, value, expiresAt: Date.now() + this.lockTtlMs, ended };
    this.locks.set(key, h);
    return h;
  }

  /** Extends a holding; false when it is no longer current. A paused node's renewals never arrive. */
  renew(key: string, id: number, node: object): boolean {
    if (this.paused.has(node)) return true;
    const h = this.current(key);
    if (h === null || h.id !== id) return false;
    h.expiresAt = Date.now() + this.lockTtlMs;
    return true;
  }

  release(key: string, id: number): void {
    const h = this.locks.get(key);
    if (h !== undefined && h.id === id) {
      this.locks.delete(key);
      this.wake();
    }
  }

  /** Ends every holding of `node` (its store closed: its session/lease goes away). */
  releaseAll(node: object): void {
    for (const [key, h] of [...this.locks]) if (h.node === node) this.release(key, h.id);
  }

  value(key: string): string | null {
    return this.current(key)?.value ?? null;
  }

  /** The engine-side fence check every write of a fenced node goes through. */
  checkFence(fence: Fence | null): void {
    if (fence === null) return;
    const h = this.current(fence.key);
    if (h === null || h.id !== fence.id) throw new LockLostError();
  }

  /** Test hook: ends the current holding of `key` from outside, as an expired TTL would. */
  forceExpire(key: string): void {
    const h = this.locks.get(key);
    if (h !== undefined) this.end(key, h);
  }

  /** Test hook: the node's renewals stop reaching the engine (a SIGSTOPped or partitioned process). */
  pauseRenewals(node: object): void {
    this.paused.add(node);
  }

  resumeRenewals(node: object): void {
    this.paused.delete(node);
  }

  /** Test hook: change events stop reaching subscribers (a slow stream) until {@link releaseChanges}. */
  holdChanges(): void {
    this.changes.hold();
  }

  releaseChanges(): void {
    this.changes.release();
  }

  /** Test hook: every change subscription is lost, as a dropped watch whose history was compacted. */
  breakChangeStreams(): void {
    this.changes.breakAll();
  }

  /** Test hook: change subscriptions fail, old and new, until called with false. */
  changeStreamsDown(down: boolean): void {
    this.changes.setDown(down);
  }

  /** Resolves on the next release/expiry or after `ms`, whichever is first. */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The HaBackend one attached store exposes; `setFence` moves that store's fence. */
export function inmemHa(engine: InmemHaEngine, node: object, setFence: (f: Fence) => void): HaBackend {
  return {
    lock(key: string, value: string): HaLock {
      return {
        value: async () => engine.value(key),
        acquire: (signal) => acquire(engine, node, key, value, signal, setFence),
      };
    },
  };
}

function abortError(): Error {
  return new DOMException('the lock acquisition was aborted', 'AbortError');
}

async function acquire(engine: InmemHaEngine, node: object, key: string, value: string, signal: AbortSignal, setFence: (f: Fence) => void): Promise<HeldLock> {
  for (;;) {
    if (signal.aborted) throw abortError();
    let settleLost!: () => void;
    const lost = new Promise<void>((r) => (settleLost = r));
    let released = false;
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (timer !== undefined) clearInterval(timer);
    };
    const onEnded = (): void => {
      stop();
      if (!released) settleLost();
    };
    const h = engine.tryAcquire(key, node, value, onEnded);
    if (h !== null) {
      setFence({ key, id: h.id });
      // Renew well inside the TTL so one late tick does not lose the lock.
      timer = setInterval(() => {
        if (!engine.renew(key, h.id, node)) onEnded();
      }, Math.max(5, Math.floor(engine.lockTtlMs / 3)));
      timer.unref();
      return {
        lost,
        release: async () => {
          if (released) return;
          released = true;
          stop();
          engine.release(key, h.id);
        },
      };
    }
    await engine.waitForChange(engine.retryMs, signal);
  }
}
