/**
 * The HA lock on etcd: one key (`<path>core/lock`) bound to a lease of `lock_timeout` seconds.
 * Acquiring is a transaction "create the key with my lease if it does not exist"; waiting
 * nodes watch the key and try again when it is deleted (or every TTL, should the watch be
 * quiet). The holder keeps the lease alive; the holding is lost when etcd says the lease is
 * gone, when keepalives have failed for longer than the TTL, or when the key is deleted or
 * replaced. Writes are fenced on the holding in etcd itself (fence.ts).
 */
import type { Etcd3, Lease, Watcher } from 'etcd3';
import type { HaBackend, HaLock, HeldLock } from '../physical.js';
import type { StoreLogger } from './client-options.js';
import { describe } from './errors.js';
import { Fence, type FenceSlot } from './fence.js';
import type { KeySpace } from './keys.js';

const noop = (): void => undefined;

function abortError(): Error {
  return new DOMException('acquiring the HA lock was aborted', 'AbortError');
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const nextRevision = (rev: string): string => (BigInt(rev) + 1n).toString();

export class EtcdHa implements HaBackend {
  private readonly held = new Set<EtcdHeldLock>();
  /** Aborted when the store closes: waiting acquires end rather than retry on a closed client. */
  private readonly closing = new AbortController();

  constructor(
    readonly client: Etcd3,
    readonly keys: KeySpace,
    readonly slot: FenceSlot,
    readonly ttlSeconds: number,
    readonly logger: StoreLogger,
  ) {}

  lock(key: string, value: string): HaLock {
    return new EtcdHaLock(this, this.keys.key(key), value);
  }

  /** A fenced write found the lock not ours: whoever holds that fence has lost it. */
  fenceFailed(fence: Fence): void {
    for (const h of this.held) if (h.fence === fence) h.markLost('a fenced write found the lock key changed');
  }

  get closed(): AbortSignal {
    return this.closing.signal;
  }

  /** The store is closing: ends waiting acquires and releases every holding, so another node can take over at once. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all([...this.held].map((h) => h.release()));
  }

  hold(fence: Fence, lease: Lease): EtcdHeldLock {
    const h = new EtcdHeldLock(this, fence, lease, () => this.held.delete(h));
    this.held.add(h);
    this.slot.fence = fence;
    return h;
  }
}

class EtcdHaLock implements HaLock {
  constructor(
    private readonly ha: EtcdHa,
    private readonly key: Buffer,
    private readonly val: string,
  ) {}

  async value(): Promise<string | null> {
    let res;
    try {
      res = await this.ha.client.kv.range({ key: this.key });
    } catch (e) {
      throw describe(e, 'reading the HA lock holder');
    }
    const kv = res.kvs[0];
    return kv ? kv.value.toString('utf8') : null;
  }

  async acquire(caller: AbortSignal): Promise<HeldLock> {
    const { client, ttlSeconds, logger, closed } = this.ha;
    const signal = AbortSignal.any([caller, closed]);
    const stopped = (): Error => (caller.aborted ? abortError() : new Error('etcd storage is closed; the HA lock was not acquired'));
    for (let failures = 0; ; ) {
      if (signal.aborted) throw stopped();
      let lease: Lease | null = null;
      let seenAt: string;
      try {
        lease = client.lease(ttlSeconds);
        lease.on('lost', noop); // a lease lost before it holds anything is just a failed attempt
        const id = await lease.grant();
        const res = await client.kv.txn({
          compare: [{ key: this.key, target: 'Create', result: 'Equal', create_revision: 0 }],
          success: [{ request_put: { key: this.key, value: Buffer.from(this.val, 'utf8'), lease: id } }, { request_range: { key: this.key } }],
          failure: [{ request_range: { key: this.key } }],
        });
        const kv = res.responses[res.succeeded ? 1 : 0]?.response_range.kvs[0];
        // Our lease on the key means we hold it, even when this was a retry of a commit whose answer was lost.
        if (kv && kv.lease === id) {
          if (signal.aborted) {
            await lease.revoke().catch(noop);
            throw stopped();
          }
          return this.ha.hold(new Fence(this.key, kv.create_revision, id), lease);
        }
        seenAt = res.header.revision;
        void lease.revoke().catch(noop);
        failures = 0;
      } catch (e) {
        if (lease) void lease.revoke().catch(noop);
        if (signal.aborted) throw stopped();
        failures++;
        logger.warn('cannot reach etcd to acquire the HA lock; retrying', { error: (e as Error).message });
        await pause(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
        continue;
      }
      await this.untilDeleted(seenAt, signal);
    }
  }

  /** Resolves when the key is deleted after `revision`, when `signal` aborts, or after one TTL. */
  private untilDeleted(revision: string, signal: AbortSignal): Promise<void> {
    const { client, ttlSeconds } = this.ha;
    return new Promise((resolve) => {
      let watcher: Watcher | null = null;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        void watcher?.cancel().catch(noop);
        resolve();
      };
      const timer = setTimeout(finish, ttlSeconds * 1000);
      signal.addEventListener('abort', finish, { once: true });
      client
        .watch()
        .key(this.key)
        .startRevision(nextRevision(revision))
        .create()
        .then((w) => {
          watcher = w;
          w.on('delete', finish);
          w.on('error', noop);
          if (done) void w.cancel().catch(noop);
        }, noop);
    });
  }
}

class EtcdHeldLock implements HeldLock {
  readonly lost: Promise<void>;
  private resolveLost!: () => void;
  private ended = false;
  private lastKeepalive = Date.now();
  private readonly timer: NodeJS.Timeout;
  private watcher: Watcher | null = null;

  constructor(
    private readonly ha: EtcdHa,
    readonly fence: Fence,
    private readonly lease: Lease,
    private readonly forget: () => void,
  ) {
    this.lost = new Promise((r) => (this.resolveLost = r));
    const ttlMs = ha.ttlSeconds * 1000;
    lease.on('keepaliveSucceeded', () => (this.lastKeepalive = Date.now()));
    lease.on('lost', (e: Error) => this.markLost(`the lock's lease ended: ${e.message}`));
    // etcd3 only reports a lease lost after twice its TTL without keepalives; the contract wants one.
    this.timer = setInterval(() => {
      if (Date.now() - this.lastKeepalive > ttlMs) this.markLost('keepalives have failed for longer than lock_timeout');
    }, Math.max(250, ttlMs / 4));
    ha.client
      .watch()
      .key(fence.key)
      .startRevision(nextRevision(fence.createRevision))
      .create()
      .then((w) => {
        this.watcher = w;
        w.on('error', noop);
        w.on('delete', () => this.markLost('the lock key was deleted'));
        w.on('put', (kv) => {
          if (kv.create_revision !== fence.createRevision || kv.lease !== fence.lease) this.markLost('the lock key was replaced');
        });
        if (this.ended) void w.cancel().catch(noop);
      }, noop);
  }

  markLost(reason: string): void {
    if (this.ended) return;
    this.end();
    this.ha.logger.warn('lost the HA lock', { reason });
    // Whatever ended the holding, our lease should not linger holding anything else.
    void this.lease.revoke().catch(noop);
    this.resolveLost();
  }

  async release(): Promise<void> {
    if (this.ended) return;
    this.end();
    try {
      await this.lease.revoke();
    } catch (e) {
      // The key expires with the lease's TTL anyway; writes are already refused here.
      this.ha.logger.warn('could not revoke the HA lock lease on release; it expires with its TTL', { error: (e as Error).message });
    }
  }

  private end(): void {
    this.ended = true;
    this.fence.ended = true;
    clearInterval(this.timer);
    void this.watcher?.cancel().catch(noop);
    this.forget();
  }
}
