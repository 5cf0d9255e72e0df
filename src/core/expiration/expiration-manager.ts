/**
 * The lease manager: registers dynamic-secret leases and token expiries, renews and
 * revokes them, and expires them on time with a single timer over a min-heap. Records
 * live in storage (see lease-store.ts); memory holds only (expireTime, id) per lease.
 */
import { expireTimers } from '../metrics/registry.js';
import { rfc3339 } from '../../lib/clock.js';
import { randomBase62 } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';
import { backendRequest, leaseView, secretTypeOf } from './backend-call.js';
import { LeaseCounts } from './lease-counts.js';
import { BUCKETS, LeaseStore, parseIndexKey, TOKEN_PREFIX, tokenHeapId } from './lease-store.js';
import { Revoker } from './revoke.js';
import { Scheduler, yieldToLoop } from './scheduler.js';
import { calculateTtl, minPositive, PAST_MAX_TTL } from './ttl.js';
import { tidyLeases } from './tidy.js';
import type {
  ExpirationDeps,
  LeaseLookup,
  LeaseRecord,
  RegisteredLease,
  RegisterSecretInput,
  RenewedLease,
  SecretLeaseRecord,
  TokenLeaseRecord,
} from './types.js';

const RESTORE_CHUNK = 1000;

const trimSlashes = (p: string): string => p.replace(/^\/+/, '').replace(/\/+$/, '');
/** Lease prefixes are folders: `database/creds` → `database/creds/`; "" stays "". */
export const normalizePrefix = (p: string): string => (trimSlashes(p) === '' ? '' : `${trimSlashes(p)}/`);

export class ExpirationManager {
  private readonly store: LeaseStore;
  private readonly sched: Scheduler;
  private readonly revoker: Revoker;
  private readonly counts = new LeaseCounts();
  private restoring: Promise<void> = Promise.resolve();
  private tidying: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: ExpirationDeps) {
    this.store = new LeaseStore(deps.storage);
    this.sched = new Scheduler(deps.clock, deps.logger, (id) => this.onDue(id), this.counts);
    this.revoker = new Revoker(deps, this.store, this.sched);
  }

  /** Creates a lease for a dynamic secret and schedules its expiry. */
  async registerSecret(o: RegisterSecretInput): Promise<RegisteredLease> {
    const now = this.deps.clock.now();
    const sysMax = this.deps.systemMaxTtl;
    const maxTtl = minPositive(o.secret.maxTtl, o.maxTtl, sysMax);
    const { ttl, warnings } = calculateTtl({
      now,
      start: now,
      increment: o.secret.ttl,
      backendTtl: 0,
      defaultTtl: o.defaultTtl > 0 ? o.defaultTtl : sysMax,
      period: 0,
      backendMaxTtl: 0,
      explicitMaxTtl: 0,
      maxTtl,
    });
    const rec: SecretLeaseRecord = {
      kind: 'secret',
      leaseId: `${trimSlashes(o.path)}/${randomBase62(24)}`,
      path: trimSlashes(o.path),
      mountPoint: o.mountPoint,
      secretType: o.secret.type,
      internalData: o.secret.internalData,
      tokenKey: o.tokenKey,
      issueTime: now,
      expireTime: now + ttl * 1000,
      lastRenewalTime: null,
      ttl,
      maxTtl,
      renewable: o.secret.renewable,
      revokeAttempts: 0,
    };
    // Index before record: a dangling index entry is harmless, a record without one never expires.
    // One group commit for the lease record and its two indexes.
    await Promise.all([this.store.addIndex(rec.leaseId, rec.expireTime), this.store.put(rec), this.store.linkToken(rec.tokenKey, rec.leaseId)]);
    this.sched.schedule(rec.leaseId, rec.expireTime);
    return { leaseId: rec.leaseId, ttl, renewable: rec.renewable, warnings };
  }

  /**
   * Schedules (or reschedules) a token's expiry. `path` is the token's creation path; the
   * token's lease id `<path>/<tokenKey>` makes prefix revocation reach it. expireTime 0 = never.
   */
  async registerToken(tokenKey: string, expireTime: number, path = 'auth/token/create', o: { isNew?: boolean } = {}): Promise<void> {
    // A brand-new token has no previous lease: skipping the lookups keeps every write of
    // token creation in the same event-loop turn, so they share one commit.
    const oldId = o.isNew ? null : await this.store.tokenLeaseId(tokenKey);
    const old = oldId === null ? null : await this.store.get(oldId);
    if (expireTime <= 0) {
      if (old) await this.revoker.forget(old);
      return;
    }
    const heapId = tokenHeapId(tokenKey);
    const rec: TokenLeaseRecord = {
      kind: 'token',
      leaseId: `${trimSlashes(path)}/${tokenKey}`,
      tokenKey,
      path: trimSlashes(path),
      issueTime: old?.issueTime ?? this.deps.clock.now(),
      expireTime,
      revokeAttempts: 0,
    };
    await Promise.all([
      this.store.addIndex(heapId, expireTime),
      this.store.put(rec),
      this.store.setTokenLeaseId(tokenKey, rec.leaseId),
      old && old.expireTime !== expireTime ? this.store.dropIndex(heapId, old.expireTime) : undefined,
    ]);
    this.sched.schedule(heapId, expireTime);
  }

  /** Forgets a token's expiry (the token was revoked). */
  async unregisterToken(tokenKey: string): Promise<void> {
    this.sched.unschedule(tokenHeapId(tokenKey));
    const id = await this.store.tokenLeaseId(tokenKey);
    const rec = id === null ? null : await this.store.get(id);
    if (rec) await this.store.remove(rec);
    else if (id !== null) await this.deps.storage.delete(`tok/${tokenKey}`);
  }

  /**
   * Renews a secret lease through its backend; TTL measured from now, capped at issue +
   * max. As Vault: the increment when given, else the engine's answer, else (the engine
   * answered 0, i.e. handed the lease back unchanged) the lease's own TTL as last granted.
   */
  async renew(leaseId: string, increment: number): Promise<RenewedLease> {
    const now = this.deps.clock.now();
    const rec = await this.store.get(leaseId);
    if (rec?.kind === 'token') throw badRequest('tokens cannot be renewed through this endpoint');
    if (!rec) throw badRequest('lease not found');
    if (!rec.renewable) throw badRequest('lease is not renewable');
    if (now >= rec.issueTime + rec.maxTtl * 1000) throw badRequest(PAST_MAX_TTL);
    if (rec.expireTime <= now) throw badRequest('lease not found');
    const mount = this.deps.resolveMount(rec.path);
    if (!mount) throw badRequest('lease not found');
    const st = secretTypeOf(mount, rec);
    if (!st?.renew) throw badRequest('lease is not renewable');
    const granted = await st.renew(backendRequest(mount, rec, 'update'), leaseView(rec, increment));
    const { ttl, warnings } = calculateTtl({
      now,
      start: rec.issueTime,
      increment,
      backendTtl: granted.ttl > 0 ? granted.ttl : rec.ttl,
      defaultTtl: mount.system.defaultLeaseTtl() || this.deps.systemMaxTtl,
      period: 0,
      backendMaxTtl: granted.maxTtl ?? 0,
      explicitMaxTtl: 0,
      maxTtl: rec.maxTtl,
    });
    const previous = rec.expireTime;
    rec.ttl = ttl;
    rec.expireTime = now + ttl * 1000;
    rec.lastRenewalTime = now;
    if (granted.renewable === false) rec.renewable = false;
    await this.store.addIndex(rec.leaseId, rec.expireTime);
    await this.store.put(rec);
    if (previous !== rec.expireTime) await this.store.dropIndex(rec.leaseId, previous);
    this.sched.schedule(rec.leaseId, rec.expireTime);
    return {
      leaseId: rec.leaseId,
      ttl,
      renewable: rec.renewable,
      warnings: [...(granted.warnings ?? []), ...warnings],
      data: granted.data ?? null,
    };
  }

  /**
   * Revokes one lease (or, for a token lease id, the token tree). Unknown ids are a no-op.
   * sync (default true) waits for the backend and throws if it refuses; sync=false expires
   * the lease now and lets the timer revoke it.
   */
  async revoke(leaseId: string, o: { sync?: boolean } = {}): Promise<void> {
    if (o.sync === false) return this.expireNow(leaseId);
    await this.revoker.revokeId(leaseId, { throwOnError: true });
  }

  /** Revokes every lease whose id starts with the folder `prefix`. force ignores backend errors. */
  async revokePrefix(prefix: string, o: { force?: boolean; sync?: boolean } = {}): Promise<void> {
    const p = normalizePrefix(prefix);
    const run = this.revoker.revokePrefix(p, o.force ?? false);
    if (o.sync === false) {
      run.catch((e: unknown) => this.deps.logger.warn('expiration: background prefix revocation failed', { prefix: p, error: String(e) }));
      return;
    }
    await run;
  }

  /** Revokes every lease created by the token; backend failures are retried in the background. */
  revokeByToken(tokenKey: string): Promise<void> {
    return this.revoker.revokeByToken(tokenKey);
  }

  async lookup(leaseId: string): Promise<LeaseLookup> {
    const rec = await this.store.get(leaseId);
    if (!rec) throw badRequest('invalid lease ID');
    const now = this.deps.clock.now();
    return {
      id: rec.leaseId,
      issue_time: rfc3339(rec.issueTime),
      expire_time: rfc3339(rec.expireTime),
      last_renewal: rec.kind === 'secret' && rec.lastRenewalTime !== null ? rfc3339(rec.lastRenewalTime) : null,
      renewable: rec.kind === 'secret' ? rec.renewable && rec.expireTime > now : false,
      ttl: Math.max(0, Math.floor((rec.expireTime - now) / 1000)),
    };
  }

  /** Immediate children of a lease prefix: id suffixes and sub-prefixes ending in "/". */
  listPrefix(prefix: string): Promise<string[]> {
    return this.store.list(normalizePrefix(prefix));
  }

  /** The stored record (for the core and tests); null when unknown. */
  record(leaseId: string): Promise<LeaseRecord | null> {
    return this.store.get(leaseId);
  }

  /** Cleans dangling index entries; revokes leases whose token is gone (when tokenExists is wired). */
  tidy(): Promise<void> {
    if (!this.tidying) {
      this.tidying = tidyLeases(this.deps, this.store, this.revoker, () => this.stopped).finally(() => {
        this.tidying = null;
      });
    }
    return this.tidying;
  }

  /**
   * Starts loading the expiry index in the background and returns at once; overdue entries
   * fire as they load. `whenRestored()` resolves when the whole index is in the heap.
   */
  restore(): Promise<void> {
    this.restoring = this.loadIndex().catch((e: unknown) => {
      // Stopped meanwhile (init's brief unseal, a seal, a step-down): the barrier sealed
      // under a listing in flight. Nothing was lost; the next start restores again.
      if (this.stopped) return;
      this.deps.logger.error('expiration: restore failed', { error: String(e) });
    });
    return Promise.resolve();
  }

  whenRestored(): Promise<void> {
    return this.restoring;
  }

  /** Runs every expiry due at the clock's now (tests drive this with a fake clock). */
  tick(): Promise<number> {
    return this.sched.tick();
  }

  stop(): void {
    this.stopped = true;
    this.sched.stop();
  }

  /** Scheduled expiries in memory (secret leases and token expiries). */
  count(): number {
    return this.sched.heap.size;
  }

  /**
   * Secret leases scheduled in memory whose id starts with `prefix` (a lease-count quota's
   * path): O(1) after the first ask for a prefix (see lease-counts.ts).
   */
  secretLeasesUnder(prefix: string): number {
    return this.counts.under(prefix, () => this.sched.heap.idList());
  }

  /** The secret leases scheduled in memory, by the id each has (`<mount path>/<…>/<uuid>`); token expiries are left out. */
  secretLeaseIds(): string[] {
    return this.sched.heap.idList().filter((id) => !id.startsWith(TOKEN_PREFIX));
  }

  private async loadIndex(): Promise<void> {
    for (const bucket of BUCKETS) {
      if (this.stopped) return;
      const names = await this.store.listBucket(bucket);
      for (let i = 0; i < names.length; i += RESTORE_CHUNK) {
        for (const name of names.slice(i, i + RESTORE_CHUNK)) {
          const parsed = parseIndexKey(name);
          if (!parsed) continue;
          const known = this.sched.heap.timeOf(parsed.heapId);
          if (known === undefined || parsed.time < known) this.sched.schedule(parsed.heapId, parsed.time);
        }
        await yieldToLoop();
      }
    }
  }

  private async expireNow(leaseId: string): Promise<void> {
    const rec = await this.store.get(leaseId);
    if (!rec) return;
    const now = this.deps.clock.now();
    const heapId = rec.kind === 'token' ? tokenHeapId(rec.tokenKey) : rec.leaseId;
    if (rec.expireTime > now) {
      const previous = rec.expireTime;
      rec.expireTime = now;
      await this.store.addIndex(heapId, now);
      await this.store.put(rec);
      await this.store.dropIndex(heapId, previous);
    }
    this.sched.schedule(heapId, now);
  }

  /** A heap entry is due: re-check the record (index entries are hints) and act. */
  private async onDue(heapId: string): Promise<void> {
    const leaseId = heapId.startsWith(TOKEN_PREFIX) ? await this.store.tokenLeaseId(heapId.slice(1)) : heapId;
    const rec = leaseId === null ? null : await this.store.get(leaseId);
    if (!rec) return;
    if (rec.expireTime > this.deps.clock.now()) {
      this.sched.schedule(heapId, rec.expireTime);
      return;
    }
    const start = performance.now();
    await this.revoker.revokeId(rec.leaseId);
    expireTimers.revoke.observe(performance.now() - start);
    expireTimers.expired.inc();
  }
}
