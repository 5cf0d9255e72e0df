/**
 * Revocation: one lease, a prefix, or everything a token created. A backend revoke that
 * fails never loses the lease: the record stays, the attempt is counted and the lease is
 * rescheduled with exponential backoff. `force` deletes the record regardless.
 */
import { WardError, internalError } from '../../sdk/errors.js';
import { eachSliced, LoopSlice } from '../../lib/loop-slice.js';
import { backendRequest, leaseView, secretTypeOf } from './backend-call.js';
import type { LeaseStore } from './lease-store.js';
import { tokenHeapId } from './lease-store.js';
import type { Scheduler } from './scheduler.js';
import type { ExpirationDeps, LeaseRecord } from './types.js';

/**
 * Revocations in flight at once for a prefix or a token's leases: enough to overlap the
 * round trips of backends that call out to a database, few enough that the ones running
 * when a slice ends finish quickly.
 */
export const REVOKE_CONCURRENCY = 128;
/** After this many failed attempts a lease is flagged irrevocable (retries continue hourly). */
export const MAX_REVOKE_ATTEMPTS = 6;
const BASE_BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 3_600_000;

export function retryDelay(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

export interface RevokeOptions {
  force?: boolean;
  /** Throw when the backend refuses (sync API calls); background callers log instead. */
  throwOnError?: boolean;
}

export class Revoker {
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: ExpirationDeps,
    private readonly store: LeaseStore,
    private readonly sched: Scheduler,
  ) {}

  /** Revokes one lease by id; unknown ids are a no-op. Concurrent calls share one attempt. */
  revokeId(leaseId: string, o: RevokeOptions = {}): Promise<void> {
    const running = this.inflight.get(leaseId);
    if (running && !o.force) return o.throwOnError ? running : running.catch(() => undefined);
    const p = (async () => {
      const rec = await this.store.get(leaseId);
      if (rec) await this.revokeRecord(rec, o.force ?? false);
    })().finally(() => {
      if (this.inflight.get(leaseId) === p) this.inflight.delete(leaseId);
    });
    this.inflight.set(leaseId, p);
    if (o.throwOnError) return p;
    return p.catch((e: unknown) => {
      this.deps.logger.warn('expiration: revoke failed, will retry', { leaseId, error: String(e) });
    });
  }

  /**
   * Revokes every lease below `prefix` (a folder). The event loop turns every few
   * milliseconds of revocation work (see lib/loop-slice.ts): other requests keep being
   * answered while a prefix of 100,000 leases goes.
   */
  async revokePrefix(prefix: string, force: boolean): Promise<void> {
    const failures: string[] = [];
    const slice = new LoopSlice();
    const ids: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const child of await this.store.list(folder)) {
        if (child.endsWith('/')) {
          await slice.pause();
          await walk(folder + child);
        } else {
          ids.push(folder + child);
        }
      }
    };
    await walk(prefix);
    await eachSliced(
      ids,
      REVOKE_CONCURRENCY,
      (id) =>
        this.revokeId(id, { force, throwOnError: true }).catch((e: unknown) => {
          failures.push(`${id}: ${WardError.is(e) ? e.messages.join('; ') : String(e)}`);
        }),
      slice,
    );
    if (failures.length > 0) {
      throw internalError(`failed to revoke ${failures.length} lease(s) under prefix "${prefix}": ${failures[0] ?? ''}`);
    }
  }

  /** Revokes every secret lease the token created. Failures are retried in the background. */
  async revokeByToken(tokenKey: string): Promise<void> {
    const ids = await this.store.leasesOfToken(tokenKey);
    // revokeId without throwOnError logs and reschedules failures itself.
    await eachSliced(ids, REVOKE_CONCURRENCY, (id) => this.revokeId(id));
  }

  private async revokeRecord(rec: LeaseRecord, force: boolean): Promise<void> {
    try {
      if (rec.kind === 'token') {
        await this.deps.onTokenExpired(rec.tokenKey);
      } else {
        const mount = this.deps.resolveMount(rec.path);
        if (!mount) throw internalError(`no mount serves lease path "${rec.path}"`);
        const st = secretTypeOf(mount, rec);
        if (!st) throw internalError(`secret type "${rec.secretType}" is not registered by the mount`);
        await st.revoke(backendRequest(mount, rec, 'delete'), leaseView(rec, 0));
      }
    } catch (e) {
      if (!force) {
        await this.recordFailure(rec, e);
        throw WardError.is(e) ? e : internalError('failed to revoke lease', e);
      }
      this.deps.logger.warn('expiration: forced revocation ignored backend error', { leaseId: rec.leaseId, error: String(e) });
    }
    await this.forget(rec);
  }

  /** Deletes the record and its index entries and unschedules it. */
  async forget(rec: LeaseRecord): Promise<void> {
    this.sched.unschedule(rec.kind === 'token' ? tokenHeapId(rec.tokenKey) : rec.leaseId);
    await this.store.remove(rec);
  }

  private async recordFailure(rec: LeaseRecord, e: unknown): Promise<void> {
    const attempts = rec.revokeAttempts + 1;
    const now = this.deps.clock.now();
    const fresh = await this.store.get(rec.leaseId);
    if (!fresh) return;
    fresh.revokeAttempts = attempts;
    if (fresh.kind === 'secret') {
      fresh.lastError = WardError.is(e) ? e.messages.join('; ') : e instanceof Error ? e.message : String(e);
      if (attempts >= MAX_REVOKE_ATTEMPTS) fresh.irrevocable = true;
    }
    // The record's expire time may lie in the future (sync revoke of a live lease); move it
    // to now so a restart retries it promptly.
    const heapId = fresh.kind === 'token' ? tokenHeapId(fresh.tokenKey) : fresh.leaseId;
    const previous = fresh.expireTime;
    if (previous > now) {
      await this.store.addIndex(heapId, now);
      fresh.expireTime = now;
    }
    await this.store.put(fresh);
    if (previous > now) await this.store.dropIndex(heapId, previous);
    this.sched.schedule(heapId, now + retryDelay(attempts));
    this.deps.logger.warn('expiration: revocation failed', { leaseId: rec.leaseId, attempts, error: String(e) });
  }
}
