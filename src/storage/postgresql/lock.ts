/**
 * The HA lock: a row in Vault's `vault_ha_locks` table whose `valid_until` the engine's
 * clock decides. Acquire inserts the row, after deleting it if it has expired;
 * the holder renews it every third of the TTL; the holding is lost when a renewal (or a
 * fenced write) finds the row gone or someone else's, or when no renewal has succeeded
 * for a whole TTL (counted from when the last successful one was sent, so this node
 * gives up no later than the engine would let another node in).
 */
import { sleep } from '../../lib/sleep.js';
import { randomUUID } from 'node:crypto';
import type { HaBackend, HaLock, HeldLock } from '../physical.js';
import type { Db } from './db.js';
import type { StoreLogger } from './logger.js';
import { quoteIdent } from './queries.js';

export interface LockTiming {
  ttlMs: number;
  renewMs: number;
  retryMs: number;
}

/** Vault's: a 15 s TTL (Consul's default), renewed every 5 s, acquisition retried every second. */
export const VAULT_LOCK_TTL_MS = 15_000;

/** Vault's proportions for any TTL: renew at a third of it, retry every second (or faster for short TTLs). */
export function lockTiming(ttlMs = VAULT_LOCK_TTL_MS): LockTiming {
  return { ttlMs, renewMs: Math.max(1, Math.floor(ttlMs / 3)), retryMs: Math.max(1, Math.min(1000, Math.floor(ttlMs / 3))) };
}

/** One holding, as the store's writes see it. */
export interface Fence {
  readonly key: string;
  readonly identity: string;
  /** Set once the holding ended (lost or released): later writes are refused without asking the engine. */
  ended: boolean;
  /** A fenced write found the row gone or not ours: the holding is lost. */
  refused(): void;
}

/** What the lock needs from its store. */
export interface HaHost {
  db: Db;
  haTable: string;
  timing: LockTiming;
  logger: StoreLogger;
  /** From now on, the store's writes are fenced by `f`. */
  hold(f: Fence): void;
  /** Registers something close() must do first; returns its unregistration. */
  track(close: () => Promise<void>): () => void;
  closed(): boolean;
}

interface LockSql {
  expire: string;
  take: string;
  renew: string;
  drop: string;
  value: string;
}

function lockSql(haTable: string): LockSql {
  const ha = quoteIdent(haTable);
  const until = `clock_timestamp() + $3::int * interval '1 millisecond'`;
  return {
    // A takeover deletes the expired row rather than updating it: a DELETE waits for every
    // write that passed the guard (FOR KEY SHARE, see queries.ts), an UPDATE of non-key
    // columns would not.
    expire: `DELETE FROM ${ha} WHERE ha_key = $1 AND valid_until <= clock_timestamp()`,
    // $1 key, $2 identity, $3 ttl ms, $4 value.
    take: `INSERT INTO ${ha} (ha_key, ha_identity, ha_value, valid_until) VALUES ($1, $2, $4, ${until}) ON CONFLICT (ha_key) DO NOTHING`,
    renew: `UPDATE ${ha} SET valid_until = ${until} WHERE ha_key = $1 AND ha_identity = $2 AND valid_until > clock_timestamp()`,
    drop: `DELETE FROM ${ha} WHERE ha_key = $1 AND ha_identity = $2`,
    value: `SELECT ha_value FROM ${ha} WHERE ha_key = $1 AND valid_until > clock_timestamp()`,
  };
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function abortError(): Error {
  const e = new Error('acquiring the HA lock was aborted');
  e.name = 'AbortError';
  return e;
}


export class PostgresHa implements HaBackend {
  private readonly sql: LockSql;

  constructor(private readonly host: HaHost) {
    this.sql = lockSql(host.haTable);
  }

  lock(key: string, value: string): HaLock {
    const { host, sql } = this;
    return {
      acquire: (signal) => acquire(host, sql, key, value, signal),
      async value() {
        const r = await host.db.query<{ ha_value: string | null }>(sql.value, [key]);
        const row = r.rows[0];
        return row === undefined ? null : (row.ha_value ?? '');
      },
    };
  }
}

async function acquire(host: HaHost, sql: LockSql, key: string, value: string, signal: AbortSignal): Promise<HeldLock> {
  if (host.closed()) throw new Error('postgresql storage is closed');
  // Closing the store aborts a pending acquire as the caller's signal would.
  const ac = new AbortController();
  const forward = (): void => ac.abort();
  signal.addEventListener('abort', forward, { once: true });
  if (signal.aborted) ac.abort();
  const untrack = host.track(async () => ac.abort());
  let failing = false;
  try {
    for (;;) {
      if (ac.signal.aborted) throw abortError();
      // A fresh identity per holding: a write fenced by an earlier holding of this node never passes.
      const identity = randomUUID();
      const sentAt = performance.now();
      let taken = false;
      try {
        taken = await host.db.tx(async (c) => {
          await c.query(sql.expire, [key]);
          return (await c.query(sql.take, [key, identity, host.timing.ttlMs, value])).rowCount === 1;
        });
        if (failing) host.logger.info('reached PostgreSQL again; waiting for the HA lock');
        failing = false;
      } catch (e) {
        // Unreachable or failing engine: keep trying, as a standby must; say so once per outage.
        if (!failing) host.logger.error('cannot reach PostgreSQL to take the HA lock; retrying', { error: message(e) });
        failing = true;
      }
      if (taken) {
        if (ac.signal.aborted || host.closed()) {
          await host.db.query(sql.drop, [key, identity]).catch(() => undefined);
          throw abortError();
        }
        return new PgHeldLock(host, sql, key, identity, sentAt);
      }
      await sleep(host.timing.retryMs, ac.signal);
    }
  } finally {
    untrack();
    signal.removeEventListener('abort', forward);
  }
}

class PgHeldLock implements HeldLock {
  readonly lost: Promise<void>;
  private settleLost!: () => void;
  private readonly fence: Fence;
  private renewTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private released?: Promise<void>;
  private readonly untrack: () => void;

  constructor(
    private readonly host: HaHost,
    private readonly sql: LockSql,
    private readonly key: string,
    private readonly identity: string,
    takenAt: number,
  ) {
    this.lost = new Promise((resolve) => (this.settleLost = resolve));
    this.fence = { key, identity, ended: false, refused: () => this.end(true, 'a write found the lock row gone or held by another node') };
    host.hold(this.fence);
    this.untrack = host.track(() => this.release());
    this.armExpiry(takenAt + host.timing.ttlMs);
    this.scheduleRenewal();
  }

  release(): Promise<void> {
    return (this.released ??= (async () => {
      const wasHeld = !this.fence.ended;
      this.end(false);
      if (!wasHeld) return;
      try {
        await this.host.db.query(this.sql.drop, [this.key, this.identity]);
      } catch (e) {
        // The row expires on its own within the TTL; the fence already refuses our writes.
        this.host.logger.warn('could not delete the HA lock row on release; it will expire', { error: message(e) });
      }
    })());
  }

  private scheduleRenewal(): void {
    // Not unref'd: a held lock is live work (during an outage these timers may be all that
    // is left to notice the loss); release() and the store's close() clear them.
    this.renewTimer = setTimeout(() => void this.renew(), this.host.timing.renewMs);
  }

  private async renew(): Promise<void> {
    if (this.fence.ended) return;
    const sentAt = performance.now();
    try {
      const r = await this.host.db.query(this.sql.renew, [this.key, this.identity, this.host.timing.ttlMs], this.host.timing.renewMs);
      if (this.fence.ended) return;
      if (r.rowCount !== 1) return this.end(true, 'the lock row is gone or held by another node');
      this.armExpiry(sentAt + this.host.timing.ttlMs);
    } catch (e) {
      if (this.fence.ended) return;
      this.host.logger.warn('could not renew the HA lock; retrying until it would expire', { error: message(e) });
    }
    this.scheduleRenewal();
  }

  private armExpiry(deadline: number): void {
    clearTimeout(this.expiryTimer);
    const wait = Math.max(0, deadline - performance.now());
    this.expiryTimer = setTimeout(() => this.end(true, 'no renewal reached PostgreSQL within the lock TTL'), wait);
  }

  private end(lost: boolean, reason?: string): void {
    if (this.fence.ended) return;
    this.fence.ended = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
    this.untrack();
    if (!lost) return;
    this.host.logger.warn('lost the HA lock', { reason });
    this.settleLost();
    // Best effort, so another node need not wait out the TTL; only ever deletes our own row.
    void this.host.db.query(this.sql.drop, [this.key, this.identity]).catch(() => undefined);
  }
}
