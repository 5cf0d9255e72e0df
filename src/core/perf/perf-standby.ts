/**
 * A performance standby (`performance_standby = true`): while this node is an unsealed HA
 * standby it runs read-only subsystems of its own and answers the requests local-reads.ts
 * allows, kept coherent by the storage engine's change stream (physical.ts ChangeFeed):
 *
 *  - Every change event goes through invalidation.ts (one table: storage key → what it
 *    invalidates) before its index counts as applied.
 *  - Read-your-writes: a request carrying `X-Vault-Index: N` (the active's storage index
 *    after the client's write) waits until index N is applied here, at most `indexWaitMs`,
 *    then is forwarded instead.
 *  - Nothing stale: while the stream is lost, the subsystems are being (re)built or the
 *    keyring reloaded, nothing is served here; a lost stream means a full reload (caches
 *    dropped, subsystems rebuilt) from an index read before reloading.
 *
 * `serve` answers null for "forward to the active node".
 */
import type { Logger } from '../../sdk/logical.js';
import { WardError } from '../../sdk/errors.js';
import { sleep } from '../../lib/sleep.js';
import type { ChangeEvent, ChangeFeed, ChangeSubscription } from '../../storage/physical.js';
import type { CoreResult, HttpRequestInput, LocalHints } from '../api-types.js';
import type { Subsystems } from '../subsystem-types.js';
import { invalidationFor, type Invalidation } from './invalidation.js';
import { servableLocally } from './local-reads.js';
import { ForwardToActive, StandbyStorage, type BarrierReads } from './standby-storage.js';

export type StandbySubsystems = Pick<Subsystems, 'router' | 'tokens' | 'policies' | 'identity' | 'pipeline' | 'stop'>;

export interface PerfStandbyDeps {
  feed: ChangeFeed;
  barrier: BarrierReads & { invalidate(key: string): void; dropCache(): void; reloadKeyring(): Promise<void> };
  /** Starts read-only subsystems on `storage` (no lease expiry, no writes). */
  build(storage: StandbyStorage): Promise<StandbySubsystems>;
  logger: Logger;
  /** Longest wait for a requested X-Vault-Index before forwarding; default 2 s. */
  indexWaitMs?: number;
  /** Pause before reloading again after a failed reload; default 1 s. */
  retryMs?: number;
}

export class PerfStandby {
  readonly storage: StandbyStorage;
  private subs: StandbySubsystems | null = null;
  private sub: ChangeSubscription | null = null;
  /** Bumped per subscription, so events of an abandoned one are ignored. */
  private epoch = 0;
  private applied = 0;
  private seen = 0;
  private needKeyring = false;
  private needRebuild = false;
  private refreshing: Promise<void> | null = null;
  /** Token/policy invalidations that arrived while subsystems were being built. */
  private pendingForgets: Invalidation[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly abort = new AbortController();
  private readonly indexWaitMs: number;
  /** Losses since the last reload that ended serving. */
  private lostInRow = 0;
  private reloading = false;
  private reloadAgain = false;
  /**
   * From a reload's start until its caches are dropped: the new subscription is in place
   * and `applied` already counts the index read at the start, but the caches may be older.
   */
  private loading = false;

  constructor(private readonly deps: PerfStandbyDeps) {
    this.storage = new StandbyStorage(deps.barrier);
    this.indexWaitMs = deps.indexWaitMs ?? 2000;
  }

  start(): void {
    void this.reload();
  }

  /** Whether local answers are possible right now (sys/health's view). */
  serving(): boolean {
    return this.subs !== null && this.sub !== null && this.refreshing === null && !this.loading && !this.abort.signal.aborted;
  }

  appliedIndex(): number {
    return this.applied;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.epoch++;
    const sub = this.sub;
    this.sub = null;
    this.wake();
    await sub?.close().catch(() => undefined);
    await this.refreshing?.catch(() => undefined);
    const subs = this.subs;
    this.subs = null;
    await subs?.stop().catch(() => undefined);
  }

  /** The local answer, or null: forward to the active node. */
  async serve(input: HttpRequestInput, hints: LocalHints): Promise<CoreResult | null> {
    if (hints.inconsistent !== null && hints.inconsistent.trim().toLowerCase() === 'forward-active-node') return null;
    if (hints.index !== null) {
      const want = parseIndex(hints.index);
      if (want === null || !(await this.reached(want))) return null;
    }
    const subs = this.subs;
    if (subs === null || !this.serving()) return null;
    const route = subs.router.match(input.path);
    if (!servableLocally({ operation: input.operation, path: input.path, mountType: route?.entry.type ?? null, wrapTtl: input.wrapTtl })) return null;
    try {
      // Unknown here (maybe just created on the active) or counted uses (each use is a write): the active decides.
      const known = subs.tokens.peek(input.clientToken);
      const entry = known !== undefined ? known : await subs.tokens.lookup(input.clientToken);
      if (entry === null || entry.numUses > 0) return null;
      const result = await subs.pipeline.handle(input);
      if (this.subs === subs && this.serving()) return result;
      return this.forwarding(input, 'a reload or rebuild began while it was answered here');
    } catch (e) {
      if (mustForward(e)) return this.forwarding(input, errorText(e));
      throw e;
    }
  }

  /** A request this node could have answered goes to the active after all; why is worth a debug line. */
  private forwarding(input: HttpRequestInput, reason: string): null {
    this.deps.logger.debug('performance standby: forwarding a read it could not answer here', { path: input.path, reason });
    return null;
  }

  /** Resolves true once `index` is applied and this node serves, false after the bounded wait. */
  private reached(index: number): Promise<boolean> {
    if (this.applied >= index && this.serving()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.abort.signal.aborted) done(false);
        else if (this.applied >= index && this.serving()) done(true);
      };
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), this.indexWaitMs);
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** One reload at a time: a loss during a reload asks for another once it is done. */
  private async reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    this.reloading = true;
    try {
      for (let first = true; first || (this.reloadAgain && !this.abort.signal.aborted); first = false) {
        // A stream that keeps failing is retried at a pace, not in a tight loop.
        if (!first && this.lostInRow > 1 && !(await sleep(this.deps.retryMs ?? 1000, this.abort.signal))) return;
        this.reloadAgain = false;
        await this.reloadOnce();
      }
    } finally {
      this.reloading = false;
    }
  }

  /** Full reload: subscribe from the index now, drop every cache, rebuild; retried until stopped. */
  private async reloadOnce(): Promise<void> {
    while (!this.abort.signal.aborted) {
      this.loading = true;
      const epoch = ++this.epoch;
      // A refresh of the abandoned subscription sees the new epoch and installs nothing.
      await this.refreshing?.catch(() => undefined);
      if (epoch !== this.epoch) return;
      const old = this.sub;
      this.sub = null;
      await old?.close().catch(() => undefined);
      try {
        const from = await this.deps.feed.currentIndex();
        if (epoch !== this.epoch) return;
        this.applied = this.seen = from;
        const sub = (this.sub = this.deps.feed.subscribe(from, {
          event: (e) => {
            if (epoch === this.epoch) this.onEvent(e);
          },
          lost: (reason) => {
            if (epoch === this.epoch) this.onLost(reason);
          },
          // Changes may go unseen until the watch is back: reload rather than resume.
          stalled: (reason) => {
            if (epoch === this.epoch) this.onLost(reason);
          },
          progress: (index) => {
            if (epoch === this.epoch) this.onEvent({ index, keys: [] });
          },
        }));
        // Without replay, changes between `from` and `ready` were never delivered: the
        // caches are dropped and the subsystems rebuilt below, after listening began.
        const ready = await sub.ready;
        if (epoch !== this.epoch) return;
        if (ready > this.seen) this.applied = this.seen = ready;
        this.deps.barrier.dropCache();
        this.storage.changed();
        this.needRebuild = true;
        // The rebuild (refreshing) keeps serving off from here until the subsystems are new.
        this.kickRefresh();
        this.loading = false;
        await this.refreshing;
        if (epoch === this.epoch && this.sub !== null && this.subs !== null) this.lostInRow = 0;
        return;
      } catch (e) {
        this.deps.logger.warn('performance standby: reload failed; forwarding every request until it succeeds', { error: errorText(e) });
        if (!(await sleep(this.deps.retryMs ?? 1000, this.abort.signal))) return;
      }
    }
  }

  private onLost(reason: string): void {
    this.deps.logger.warn('performance standby: change stream lost; forwarding every request until reloaded', { reason });
    this.sub = null;
    // The first loss reloads at once; a stream that keeps failing is retried at a pace.
    const delay = this.lostInRow++ === 0 ? 0 : (this.deps.retryMs ?? 1000);
    setTimeout(() => void this.reload(), delay).unref();
  }

  private onEvent(e: ChangeEvent): void {
    for (const key of e.keys) {
      this.deps.barrier.invalidate(key);
      const inv = invalidationFor(key);
      if (inv.kind === 'keyring') this.needKeyring = true;
      else if (inv.kind === 'rebuild') this.needRebuild = true;
      else if (inv.kind !== 'value') {
        if (this.subs !== null) forget(this.subs, inv);
        this.pendingForgets.push(inv);
      }
    }
    if (e.keys.length > 0) this.storage.changed();
    if (e.index > this.seen) this.seen = e.index;
    if (this.needKeyring || this.needRebuild) this.kickRefresh();
    if (this.refreshing === null) {
      this.pendingForgets = [];
      this.applied = this.seen;
      this.wake();
    }
  }

  /** Keyring reload and subsystem rebuild, one at a time; nothing is served until done. */
  private kickRefresh(): void {
    if (this.refreshing !== null) return;
    const epoch = this.epoch;
    this.refreshing = (async () => {
      try {
        while (this.needKeyring || this.needRebuild) {
          if (this.needKeyring) {
            this.needKeyring = false;
            await this.deps.barrier.reloadKeyring();
          }
          if (this.needRebuild) {
            this.needRebuild = false;
            const old = this.subs;
            this.subs = null;
            await old?.stop().catch(() => undefined);
            this.pendingForgets = [];
            const built = await this.deps.build(this.storage);
            if (epoch !== this.epoch || this.abort.signal.aborted) {
              await built.stop();
              return;
            }
            for (const inv of this.pendingForgets) forget(built, inv);
            this.subs = built;
          }
        }
        this.pendingForgets = [];
        this.applied = this.seen;
      } catch (e) {
        if (epoch === this.epoch && !this.abort.signal.aborted) {
          this.deps.logger.warn('performance standby: refresh failed; reloading', { error: errorText(e) });
          const broken = this.subs;
          this.subs = null;
          void broken?.stop().catch(() => undefined);
          setTimeout(() => void this.reload(), this.deps.retryMs ?? 1000).unref();
        }
      } finally {
        this.refreshing = null;
        this.wake();
      }
    })();
  }
}

function forget(subs: StandbySubsystems, inv: Invalidation): void {
  if (inv.kind === 'policy') subs.policies.forget(inv.name);
  else if (inv.kind === 'token') subs.tokens.forgetCached(inv.key);
  else if (inv.kind === 'identity') subs.identity.forget(inv.key);
}

/** Refused writes, raced reads and server-side failures go to the active; client errors are answers. */
function mustForward(e: unknown): boolean {
  for (let c: unknown = e, i = 0; c instanceof Error && i < 5; c = c.cause, i++) {
    if (c instanceof ForwardToActive) return true;
  }
  return !WardError.is(e) || e.status >= 500;
}

/** Ward's X-Vault-Index is the decimal storage index; anything else is not ours to wait for. */
export function parseIndex(v: string): number | null {
  const t = v.trim();
  return /^\d{1,15}$/.test(t) ? Number(t) : null;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
