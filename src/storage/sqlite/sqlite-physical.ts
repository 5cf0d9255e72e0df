/**
 * A single-file PhysicalBackend on SQLite (better-sqlite3, WAL).
 *
 * Group commit: writes issued during one event-loop turn are queued and applied in one
 * transaction from a setImmediate callback, and their promises settle only after that
 * transaction is on disk. So an acknowledged write survives kill -9 and power loss, and
 * a burst of N concurrent writes pays one fsync instead of N.
 *
 * Off-loop durability: better-sqlite3 is synchronous, and with synchronous=FULL every
 * commit's fsync blocked the event loop. Instead the connection runs synchronous=NORMAL
 * (the commit writes the WAL without syncing it) and the WAL file is fdatasync'd on the
 * libuv thread pool; writers are acknowledged when the sync that began after their
 * commit completes. That is FULL's guarantee, paid off the main thread, and one sync
 * covers every batch committed before it began. (The barrier's write thread, which
 * exists to block, syncs on itself instead: see `syncOnThread`.) Checkpoints still sync
 * the WAL before copying it into the database (SQLite does that in NORMAL too), so a
 * checkpoint never moves unsynced frames. A committed batch is visible to reads in this
 * process before its sync completes, as in any group-commit store; only its writers wait.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { PhysicalBackend, TxOp, WriterOpener } from '../physical.js';
import { scanFile, scanMemory } from './sqlite-scan.js';

/** Options for {@link SqlitePhysical.open}. */
export interface SqliteOptions {
  /** How long a write waits on another connection's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** The durability call on the WAL file; tests substitute one to observe ordering and failure. */
  fdatasync?: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
  /**
   * Sync the WAL on this thread, blocking it, instead of on the libuv pool. For the
   * barrier's write thread, which has nothing else to do meanwhile: each pool round trip
   * costs two cross-thread wake-ups per commit, and writes that arrive during the sync
   * still queue up and share the next commit.
   */
  syncOnThread?: boolean;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Writes queued for the next commit: the last op per key (null = delete) and who waits. */
interface Batch {
  ops: Map<string, Buffer | null>;
  waiters: Waiter[];
  /** Settles (never rejects) once this batch has been committed or has failed. */
  settled: Promise<void>;
  settle: () => void;
}

type KeyRow = { key: string };

/** Rows a listing reads per query, and at most per event-loop turn. */
const LIST_PAGE = 2000;

/** SQLite physical store with group commit. Create with {@link SqlitePhysical.open}. */
export class SqlitePhysical implements PhysicalBackend {
  readonly name = 'sqlite';
  /** A file database can be opened again from the barrier's write thread (WAL allows it). */
  readonly writerOpener?: WriterOpener;
  private batch: Batch | null = null;
  private closed = false;
  private commitCount = 0;
  private syncCount = 0;
  /** fd of the WAL file, opened after the first commit creates it; -1 before. */
  private walFd = -1;
  /** Writers whose batch is committed but not yet covered by a completed sync. */
  private unsynced: Waiter[] = [];
  /** Resolves when the in-flight sync settles; null when none is running. */
  private syncing: Promise<void> | null = null;
  private readonly syncFile: NonNullable<SqliteOptions['fdatasync']>;
  private readonly selectOne: Database.Statement<[string], { value: Buffer }>;
  private readonly selectFrom: Database.Statement<[string, number], KeyRow>;
  private readonly selectRange: Database.Statement<[string, string, number], KeyRow>;
  private readonly applyOps: (ops: Map<string, Buffer | null>) => void;

  private constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly opts: SqliteOptions,
  ) {
    this.syncFile = opts.fdatasync ?? (opts.syncOnThread ? syncNow : fdatasync);
    // A test's substitute fdatasync cannot travel to another thread, nor can a memory database.
    if (!db.memory && opts.fdatasync === undefined) {
      this.writerOpener = { module: import.meta.url, exportName: 'openSqliteWriter', args: [path, opts.busyTimeoutMs ?? null] };
    }
    this.selectOne = db.prepare<[string], { value: Buffer }>('SELECT value FROM kv WHERE key = ?');
    this.selectFrom = db.prepare<[string, number], KeyRow>('SELECT key FROM kv WHERE key >= ? ORDER BY key LIMIT ?');
    this.selectRange = db.prepare<[string, string, number], KeyRow>('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?');
    const upsert = db.prepare<[string, Buffer]>('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    const remove = db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
    const tx = db.transaction((ops: Map<string, Buffer | null>) => {
      for (const [key, value] of ops) {
        if (value === null) remove.run(key);
        else upsert.run(key, value);
      }
    });
    // IMMEDIATE takes the write lock up front, so a busy database fails before any work.
    this.applyOps = (ops) => tx.immediate(ops);
  }

  /** Opens (creating if needed) the database file at `path`. */
  static open(path: string, opts: SqliteOptions = {}): SqlitePhysical {
    const db = new Database(path, { timeout: opts.busyTimeoutMs ?? 5000 });
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL: the commit does not sync the WAL; syncWal() does, off the loop, before any ack.
      db.pragma('synchronous = NORMAL');
      // Reads through a memory map instead of a pread per B-tree page: with a million
      // keys, point reads spent half their time in those syscalls. Writes still go
      // through write(2); Ward is the file's only user, so nothing truncates it under us.
      db.pragma('mmap_size = 1073741824');
      db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID');
      return new SqlitePhysical(db, path, opts);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Number of committed write transactions since open (for tests and metrics). */
  get commits(): number {
    return this.commitCount;
  }

  /** Number of completed WAL syncs since open (for tests and metrics). */
  get syncs(): number {
    return this.syncCount;
  }

  async get(key: string): Promise<Buffer | null> {
    this.checkOpen();
    // Queued writes are this process's newest truth: read them before the file.
    const pending = this.batch?.ops;
    if (pending?.has(key)) {
      const v = pending.get(key);
      return v == null ? null : Buffer.from(v);
    }
    return this.selectOne.get(key)?.value ?? null;
  }

  put(key: string, value: Buffer): Promise<void> {
    return this.enqueue([{ op: 'put', key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.enqueue([{ op: 'delete', key }]);
  }

  /** All ops join the current batch, which commits as one SQLite transaction. */
  transaction(ops: TxOp[]): Promise<void> {
    return this.enqueue(ops);
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    const batch = this.batch;
    // Merging queued writes into a listing is subtle (a delete may or may not empty a
    // folder), so a list touching queued keys waits for their commit instead.
    if (batch !== null && [...batch.ops.keys()].some((k) => k.startsWith(prefix))) {
      await batch.settled;
      this.checkOpen();
    }
    return this.children(prefix);
  }

  /**
   * Every committed entry as of the first `next()` (see sqlite-scan.ts). Writes queued
   * before then are committed first, so everything issued before the scan is in it.
   */
  async *scan(): AsyncGenerator<Array<{ key: string; value: Buffer }>> {
    this.checkOpen();
    if (this.batch !== null) this.flush();
    const pages = this.db.memory ? scanMemory(this.db) : scanFile(this.path, this.opts.busyTimeoutMs ?? 5000);
    for await (const page of pages) {
      this.checkOpen();
      yield page;
    }
  }

  /** Commits anything queued, waits until it is synced, then closes the file. Later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    while (this.syncing !== null) await this.syncing;
    if (this.walFd !== -1) {
      closeSync(this.walFd);
      this.walFd = -1;
    }
    this.db.close();
  }

  private enqueue(ops: TxOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('sqlite storage is closed'));
    const batch = this.batch ?? this.startBatch();
    // Copy in: the caller may reuse its Buffer before the commit runs.
    for (const op of ops) batch.ops.set(op.key, op.op === 'put' ? Buffer.from(op.value) : null);
    return new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  private startBatch(): Batch {
    let settle = (): void => undefined;
    const settled = new Promise<void>((r) => (settle = r));
    const batch: Batch = { ops: new Map(), waiters: [], settled, settle };
    this.batch = batch;
    setImmediate(() => this.flush());
    return batch;
  }

  /** Commits the current batch. Never throws: a failure rejects that batch's waiters. */
  private flush(): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    let failure: { error: unknown } | null = null;
    try {
      this.applyOps(batch.ops);
      this.commitCount++;
    } catch (e) {
      failure = { error: e };
    }
    if (failure === null) {
      for (const w of batch.waiters) this.unsynced.push(w);
      this.syncWal();
    } else {
      for (const w of batch.waiters) w.reject(failure.error);
    }
    batch.settle();
  }

  /**
   * Starts a sync of the WAL covering every commit so far, unless one is running: then
   * the commits since it began wait for the next one, started when it settles.
   */
  private syncWal(): void {
    if (this.syncing !== null || this.unsynced.length === 0) return;
    const covered = this.unsynced;
    this.unsynced = [];
    let fd: number;
    try {
      fd = this.walDescriptor();
    } catch (e) {
      for (const w of covered) w.reject(e);
      return;
    }
    if (fd === -1) {
      // An in-memory database has no file to sync.
      for (const w of covered) w.resolve();
      return;
    }
    let done = (): void => undefined;
    const syncing = new Promise<void>((r) => (done = r));
    this.syncing = syncing;
    // The callback may run before syncFile returns (syncOnThread), hence the order here.
    this.syncFile(fd, (err) => {
      if (this.syncing === syncing) this.syncing = null;
      if (err) {
        for (const w of covered) w.reject(err);
      } else {
        this.syncCount++;
        for (const w of covered) w.resolve();
      }
      done();
      this.syncWal();
    });
  }

  /** The WAL's fd (fsync acts on the file, whichever descriptor names it); -1 in memory. */
  private walDescriptor(): number {
    if (this.walFd !== -1) return this.walFd;
    if (this.db.memory) return -1;
    this.walFd = openSync(`${this.path}-wal`, 'r');
    return this.walFd;
  }

  /**
   * Immediate children of `prefix` via range scans on the primary key. When a row reveals
   * a folder, the scan restarts just past that folder's subtree, so a listing costs one
   * row per leaf plus one seek per folder however deep the folders go. Rows are read a
   * page at a time and the event loop turns between pages: a folder of 100,000 leases
   * read in one go held it for some 200 ms. Small folders are one page, one turn.
   */
  private async children(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const end = successor(prefix);
    let from = prefix;
    let rowsThisTurn = 0;
    for (;;) {
      if (rowsThisTurn >= LIST_PAGE) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.checkOpen();
        rowsThisTurn = 0;
      }
      const rows = end === null ? this.selectFrom.all(from, LIST_PAGE) : this.selectRange.all(from, end, LIST_PAGE);
      rowsThisTurn += rows.length;
      let next: string | null = null;
      for (const { key } of rows) {
        if (key.length <= prefix.length || !key.startsWith(prefix)) continue;
        const slash = key.indexOf('/', prefix.length);
        if (slash === -1) {
          out.push(key.slice(prefix.length));
          continue;
        }
        out.push(key.slice(prefix.length, slash + 1));
        // "/" + 1 is "0": the first key after every key below this folder.
        next = key.slice(0, slash) + '0';
        break;
      }
      if (next === null) {
        if (rows.length < LIST_PAGE) break;
        // A full page of leaves: go on just after its last key.
        next = `${rows[rows.length - 1]!.key}\u0000`;
      }
      from = next;
    }
    // Code-unit order, as every store sorts, rather than SQLite's UTF-8 byte order.
    return out.sort(compareKeys);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('sqlite storage is closed');
  }
}

/** Entry point for the barrier's write thread: a second connection to the same file. */
export function openSqliteWriter(path: string, busyTimeoutMs: number | null): SqlitePhysical {
  return SqlitePhysical.open(path, busyTimeoutMs === null ? { syncOnThread: true } : { busyTimeoutMs, syncOnThread: true });
}

function syncNow(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void {
  let err: NodeJS.ErrnoException | null = null;
  try {
    fdatasyncSync(fd);
  } catch (e) {
    err = e as NodeJS.ErrnoException;
  }
  done(err);
}

/**
 * The least string greater than every string that starts with `s` (null when none exists,
 * e.g. for ""): bump the last code point, skipping the surrogate gap that UTF-8 cannot hold.
 */
export function successor(s: string): string | null {
  if (s === '') return null;
  const chars = Array.from(s);
  const last = chars.pop() as string;
  const cp = last.codePointAt(0) as number;
  if (cp === 0x10ffff) return successor(chars.join(''));
  const next = cp + 1 === 0xd800 ? 0xe000 : cp + 1;
  return chars.join('') + String.fromCodePoint(next);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
