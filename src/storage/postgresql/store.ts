/**
 * PhysicalBackend on PostgreSQL, in Vault's table layout. Every write resolves once its
 * statement has committed; writes issued together share one statement (group commit).
 * With HA, once this node has held the lock every write is fenced in the engine: it
 * commits only while the lock row is still ours and valid (see queries.ts), otherwise it
 * changes nothing and rejects with LockLostError.
 */
import { LockLostError, type ChangeFeed, type HaBackend, type PhysicalBackend, type TxOp } from '../physical.js';
import pg from 'pg';
import { GroupCommit } from '../group-commit.js';
import { PgChanges } from './changes.js';
import { buildNotifyQueries, payloadKeys, type NotifyQueries } from './notify-queries.js';
import type { Db } from './db.js';
import { InFlight } from './in-flight.js';
import { compareKeys, listBounds, splitKey } from './keys.js';
import { PostgresHa, type Fence, type LockTiming } from './lock.js';
import type { StoreLogger } from './logger.js';
import { buildQueries, type Queries } from './queries.js';

export interface StoreSettings {
  table: string;
  /** Present when HA is enabled. */
  haTable?: string;
  lockTiming: LockTiming;
  logger: StoreLogger;
  /** With HA: the NOTIFY channel of this store's change stream (unique per schema and table). */
  channel?: string;
  /** The pool's size (max_parallel). */
  maxParallel: number;
}

/** Group commit: ops and value bytes per statement at most (bind parameters travel whole in memory). */
const GROUP_OPS = 1000;
const GROUP_BYTES = 16 * 1024 * 1024;

/** Rows per batch in scan(): small enough to keep memory flat, large enough to amortise round trips. */
const SCAN_BATCH = 500;

export class PostgresPhysical implements PhysicalBackend {
  readonly name = 'postgresql';
  readonly ha?: HaBackend;
  readonly changes?: ChangeFeed;
  /** HA stores: writes move the change index and notify (notify-queries.ts). */
  private readonly nq: NotifyQueries | null = null;
  private readonly feed: PgChanges | null = null;
  private readonly q: Queries;
  private readonly inFlight = new InFlight();
  /**
   * Writes issued in one event-loop turn share one statement. A refusal of the data (SQLSTATE
   * classes 22 data exception, 23 integrity, 54 program limit: one op's fault) is retried per
   * transaction; anything else (a lost connection or lock, too many clients) fails them all.
   */
  private readonly group: GroupCommit;
  /** The holding writes are fenced by: null until this node first holds the HA lock. */
  private fence: Fence | null = null;
  /** What close() must end first: held locks (released) and pending acquires (aborted). */
  private readonly closers = new Set<() => Promise<void>>();
  private closed = false;
  private closing?: Promise<void>;

  constructor(
    private readonly db: Db,
    s: StoreSettings,
  ) {
    this.q = buildQueries(s.table, s.haTable ?? 'vault_ha_locks');
    if (s.haTable !== undefined && s.channel !== undefined) {
      this.nq = buildNotifyQueries(s.table, s.haTable);
      this.feed = new PgChanges(db, this.nq, s.channel);
      this.changes = this.feed;
    }
    this.group = new GroupCommit((ops) => this.commit(ops), {
      maxOps: GROUP_OPS,
      maxBytes: GROUP_BYTES,
      isolate: (e) => e instanceof pg.DatabaseError && /^(22|23|54)/.test(e.code ?? ''),
      // No more statements out than the pool has connections: writes beyond wait for one
      // and then share its statement, rather than queueing in the pool one statement each.
      maxInFlight: s.maxParallel,
    });
    if (s.haTable !== undefined) {
      this.ha = new PostgresHa({
        db,
        haTable: s.haTable,
        timing: s.lockTiming,
        logger: s.logger,
        hold: (f) => (this.fence = f),
        track: (close) => {
          this.closers.add(close);
          return () => this.closers.delete(close);
        },
        closed: () => this.closed,
      });
    }
  }

  async get(key: string): Promise<Buffer | null> {
    this.checkOpen();
    const pending = this.inFlight.waitKeys([key]);
    if (pending) await pending;
    const s = splitKey(key);
    const r = await this.db.query<{ value: Buffer | null }>(this.q.get, [s.path, s.key]);
    const row = r.rows[0];
    // Vault's column is nullable; a NULL value reads as empty rather than as missing.
    return row === undefined ? null : (row.value ?? Buffer.alloc(0));
  }

  async put(key: string, value: Buffer): Promise<void> {
    this.checkOpen();
    const copy = Buffer.from(value); // the caller may reuse its buffer before this commits
    return this.inFlight.run([key], () => this.group.submit([{ op: 'put', key, value: copy }]));
  }

  async delete(key: string): Promise<void> {
    this.checkOpen();
    return this.inFlight.run([key], () => this.group.submit([{ op: 'delete', key }]));
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    const pending = this.inFlight.waitPrefix(prefix);
    if (pending) await pending;
    const b = listBounds(prefix);
    const r = await this.db.query<{ child: string }>(this.q.list, [b.full, b.fullEnd, b.dir, b.part, b.partEnd]);
    return [...new Set(r.rows.map((row) => row.child))].sort(compareKeys);
  }

  async transaction(ops: TxOp[]): Promise<void> {
    this.checkOpen();
    // The last op on a key wins; one statement cannot upsert the same row twice anyway.
    const last = new Map<string, TxOp>();
    for (const op of ops) {
      last.delete(op.key);
      last.set(op.key, op.op === 'put' ? { op: 'put', key: op.key, value: Buffer.from(op.value) } : op);
    }
    const final = [...last.values()];
    if (final.length === 0) return;
    return this.inFlight.run([...last.keys()], () => this.group.submit(final));
  }

  /** One statement for a whole group of writes (group-commit.ts). */
  private commit(ops: TxOp[]): Promise<void> {
    if (ops.length > 1) return this.applyMany(ops);
    const op = ops[0]!;
    return op.op === 'put' ? this.putOne(op.key, op.value) : this.deleteOne(op.key);
  }

  /** A consistent snapshot (REPEATABLE READ) read through a server-side cursor in key order. */
  async *scan(): AsyncIterable<Array<{ key: string; value: Buffer }>> {
    this.checkOpen();
    const { c, checkin } = await this.db.checkout();
    let finished = false;
    let failure: unknown;
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await c.query(this.q.scan);
      for (;;) {
        const r = await c.query<{ k: string; value: Buffer | null }>(`FETCH ${SCAN_BATCH} FROM ward_scan`);
        if (r.rows.length === 0) break;
        yield r.rows.map((row) => ({ key: row.k, value: row.value ?? Buffer.alloc(0) }));
      }
      await c.query('COMMIT');
      finished = true;
    } catch (e) {
      failure = e;
      throw e;
    } finally {
      // Also runs when the consumer stops early: end the snapshot and free the connection.
      if (!finished) await c.query('ROLLBACK').catch((e: unknown) => (failure = e));
      checkin(failure);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    // Writes already accepted commit first (while a held lock still fences them), then
    // held locks are released so another node can take over at once, then the pool ends.
    await this.inFlight.all();
    await Promise.all([...this.closers].map((close) => close()));
    await this.db.pool.end();
  }

  /** The fence a write must pass now, or null when unfenced; throws once the holding ended. */
  private currentFence(): Fence | null {
    const f = this.fence;
    if (f?.ended) throw new LockLostError();
    return f;
  }

  private refused(f: Fence): never {
    f.refused();
    throw new LockLostError();
  }

  /** A notifying write's result: refused by the fence, or committed with its index. */
  private notified(f: Fence | null, row: { held?: number; idx: string | null } | undefined): void {
    if (f !== null && row?.held !== 1) this.refused(f);
    if (row?.idx == null) throw new Error(`the change index row is missing from the HA table; restart a node to recreate it`);
    this.feed!.noteWrite(row.idx);
  }

  private async putOne(key: string, value: Buffer): Promise<void> {
    const s = splitKey(key);
    const f = this.currentFence();
    const nq = this.nq;
    if (nq !== null) {
      const keys = payloadKeys([key]);
      const chan = this.feed!.channel;
      const r = f === null
        ? await this.db.query<{ idx: string | null }>(nq.put, [s.parentPath, s.path, s.key, value, keys, chan])
        : await this.db.query<{ held: number; idx: string | null }>(nq.fencedPut, [s.parentPath, s.path, s.key, value, keys, chan, f.key, f.identity]);
      return this.notified(f, r.rows[0]);
    }
    if (f === null) {
      await this.db.query(this.q.put, [s.parentPath, s.path, s.key, value]);
      return;
    }
    const r = await this.db.query<{ held: number }>(this.q.fencedPut, [s.parentPath, s.path, s.key, value, f.key, f.identity]);
    if (r.rows[0]?.held !== 1) this.refused(f);
  }

  private async deleteOne(key: string): Promise<void> {
    const s = splitKey(key);
    const f = this.currentFence();
    const nq = this.nq;
    if (nq !== null) {
      const keys = payloadKeys([key]);
      const chan = this.feed!.channel;
      const r = f === null
        ? await this.db.query<{ idx: string | null }>(nq.delete, [s.path, s.key, keys, chan])
        : await this.db.query<{ held: number; idx: string | null }>(nq.fencedDelete, [s.path, s.key, keys, chan, f.key, f.identity]);
      return this.notified(f, r.rows[0]);
    }
    if (f === null) {
      await this.db.query(this.q.delete, [s.path, s.key]);
      return;
    }
    const r = await this.db.query<{ held: number }>(this.q.fencedDelete, [s.path, s.key, f.key, f.identity]);
    if (r.rows[0]?.held !== 1) this.refused(f);
  }

  /** Several ops as one statement: one round trip, applied whole or not at all (queries.ts `many`). */
  private async applyMany(ops: TxOp[]): Promise<void> {
    if (ops.length === 0) return;
    const f = this.currentFence();
    const puts = ops.filter((o): o is Extract<TxOp, { op: 'put' }> => o.op === 'put').map((o) => ({ ...splitKey(o.key), value: o.value }));
    const dels = ops.filter((o) => o.op === 'delete').map((o) => splitKey(o.key));
    if (this.nq !== null) return this.applyNotifying(f, puts, dels, ops);
    const putParams: unknown[] = [puts.map((p) => p.parentPath), puts.map((p) => p.path), puts.map((p) => p.key), puts.map((p) => p.value)];
    // Puts only (a KV write with nothing to purge): the statement without the DELETE.
    const params = dels.length === 0 ? putParams : [dels.map((d) => d.path), dels.map((d) => d.key), ...putParams];
    if (f === null) {
      await this.db.query(dels.length === 0 ? this.q.putMany : this.q.many, params);
      return;
    }
    const r = await this.db.query<{ held: number }>(dels.length === 0 ? this.q.fencedPutMany : this.q.fencedMany, [...params, f.key, f.identity]);
    if (r.rows[0]?.held !== 1) this.refused(f);
  }

  /** With a change feed: one statement that also moves the change index (notify-queries.ts `many`). */
  private async applyNotifying(f: Fence | null, puts: Array<ReturnType<typeof splitKey> & { value: Buffer }>, dels: Array<ReturnType<typeof splitKey>>, ops: TxOp[]): Promise<void> {
    const nq = this.nq!;
    const params: unknown[] = [
      dels.map((d) => d.path), dels.map((d) => d.key),
      puts.map((p) => p.parentPath), puts.map((p) => p.path), puts.map((p) => p.key), puts.map((p) => p.value),
      payloadKeys(ops.map((o) => o.key)), this.feed!.channel,
    ];
    const r = f === null
      ? await this.db.query<{ idx: string | null }>(nq.many, params)
      : await this.db.query<{ held: number; idx: string | null }>(nq.fencedMany, [...params, f.key, f.identity]);
    return this.notified(f, r.rows[0]);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('postgresql storage is closed');
  }
}
