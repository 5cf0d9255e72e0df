/**
 * Opening a PostgreSQL store. An unreachable or not-yet-ready engine is not fatal: the
 * opener logs why (naming host:port and the cause, never the password) and retries with
 * backoff until it succeeds or `signal` aborts, so a Kubernetes pod becomes ready when its
 * database does instead of crash-looping. Only what no retry can fix (a server older than
 * 9.5, a connection URL that does not parse) fails at once.
 */
import { sleep } from '../../lib/sleep.js';
import pg from 'pg';
import { Db } from './db.js';
import { lockTiming, VAULT_LOCK_TTL_MS, type LockTiming } from './lock.js';
import type { StoreLogger } from './logger.js';
import { redactConnectionUrl, scrubber } from './redact.js';
import { DEFAULT_HA_TABLE, DEFAULT_TABLE, ensureSchema, SchemaError } from './schema.js';
import { buildNotifyQueries } from './notify-queries.js';
import { createHash } from 'node:crypto';
import { PostgresPhysical } from './store.js';

export interface PostgresStoreOptions {
  connectionUrl: string;
  table?: string;
  haEnabled?: boolean;
  haTable?: string;
  /** Most connections (and so concurrent statements) at once; Vault's default is 128. */
  maxParallel?: number;
  /** Most idle connections kept; unset: idle ones close after 10 s. 0 or less: none kept. */
  maxIdleConnections?: number;
  skipCreateTable?: boolean;
  /** How long an idle connection is kept before closing (default 10 s; 0: until the store closes). */
  idleTimeoutMs?: number;
  /** The HA lock's TTL (renewal and retry intervals follow); Vault's 15 s by default. */
  lockTtlMs?: number;
  /** Overrides the intervals lockTtlMs implies (tests). */
  lockTiming?: LockTiming;
  logger?: StoreLogger;
  /** Stops the retrying opener (rejects with an AbortError). */
  signal?: AbortSignal;
  /** Backoff between attempts: starts at `initialMs`, doubles up to `maxMs`. */
  retry?: { initialMs: number; maxMs: number };
}

/** Logs to stderr as plain lines when no logger is given (tools and tests). */
const stderrLogger: StoreLogger = {
  info: (msg, f) => process.stderr.write(`[INFO]  storage.postgresql: ${msg}${f ? ` ${JSON.stringify(f)}` : ''}\n`),
  warn: (msg, f) => process.stderr.write(`[WARN]  storage.postgresql: ${msg}${f ? ` ${JSON.stringify(f)}` : ''}\n`),
  error: (msg, f) => process.stderr.write(`[ERROR] storage.postgresql: ${msg}${f ? ` ${JSON.stringify(f)}` : ''}\n`),
};

function abortError(cause?: string): Error {
  const e = new Error(`opening postgresql storage was aborted${cause ? ` (last error: ${cause})` : ''}`);
  e.name = 'AbortError';
  return e;
}

/** Where the URL points, for messages: `host:port`, database and user (never the password). */
export function describeTarget(url: string): string {
  const c = new pg.Client({ connectionString: url });
  // pg's Client parses the URL (and PG* env defaults) into these; its typings omit some.
  const p = c as unknown as { host: string; port: number; database?: string; user?: string };
  return `${p.host}:${p.port} (database "${p.database ?? ''}", user "${p.user ?? ''}")`;
}

/**
 * An error as one line: its message (or, for a connection to a name with several
 * addresses, each address's failure: Node's AggregateError has an empty message) and code.
 */
export function causeOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const inner = e instanceof AggregateError ? e.errors.map((x: unknown) => (x instanceof Error ? x.message : String(x))).join('; ') : '';
  const text = e.message || inner || e.name;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? `${text} (${code})` : text;
}

/** Vault's default of 128 exceeds PostgreSQL's default of 100 connections: say so before load does. */
async function warnIfTooParallel(db: Db, maxParallel: number, target: string, log: StoreLogger): Promise<void> {
  const r = await db.query<{ usable: number }>(
    `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int AS usable`,
  );
  const usable = r.rows[0]?.usable;
  if (usable !== undefined && maxParallel > usable) {
    log.warn(`max_parallel ${maxParallel} is more than the ${usable} connections PostgreSQL at ${target} accepts; under load some requests will fail with "too many clients" (lower max_parallel or raise max_connections)`);
  }
}

export async function openPostgresStore(o: PostgresStoreOptions): Promise<PostgresPhysical> {
  const log = o.logger ?? stderrLogger;
  const scrub = scrubber(o.connectionUrl);
  let target: string;
  try {
    target = describeTarget(o.connectionUrl);
  } catch (e) {
    throw new Error(`postgresql storage: invalid connection_url ${redactConnectionUrl(o.connectionUrl)}: ${scrub((e as Error).message)}`);
  }
  const table = o.table ?? DEFAULT_TABLE;
  const haTable = o.haEnabled ? (o.haTable ?? DEFAULT_HA_TABLE) : undefined;
  const pool = new pg.Pool({
    connectionString: o.connectionUrl,
    max: o.maxParallel ?? 128,
    idleTimeoutMillis: o.idleTimeoutMs ?? 10_000,
    // A silent network must not hang a request (or an HA renewal) forever at connect.
    connectionTimeoutMillis: 10_000,
    // Notices a peer that vanished without closing (a partition) on otherwise idle sockets.
    keepAlive: true,
    // With HA, a node frozen in the middle of a transaction (SIGSTOP, a long GC pause, a
    // partition) would hold its row locks forever and block the new active's writes: the
    // server ends such a transaction once it has been idle for a lock TTL (it never commits,
    // so nothing it wrote was acknowledged).
    ...(haTable !== undefined ? { idle_in_transaction_session_timeout: (o.lockTiming ?? lockTiming(o.lockTtlMs ?? VAULT_LOCK_TTL_MS)).ttlMs } : {}),
  });
  // A pooled idle connection dying (server restart) is routine: the pool drops it, we log it.
  pool.on('error', (e) => log.warn('a pooled PostgreSQL connection failed; it will be replaced', { target, error: scrub(e.message) }));
  const db = new Db(pool, o.maxIdleConnections === undefined ? undefined : Math.max(0, o.maxIdleConnections));

  const backoff = o.retry ?? { initialMs: 500, maxMs: 5000 };
  let wait = backoff.initialMs;
  let last: string | undefined;
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) {
      await pool.end().catch(() => undefined);
      throw abortError(last);
    }
    try {
      await ensureSchema(db, { table, ...(haTable !== undefined ? { haTable } : {}), skipCreate: o.skipCreateTable ?? false });
      // HA stores keep the change stream's counter row in the HA table (notify-queries.ts).
      if (haTable !== undefined) await db.query(buildNotifyQueries(table, haTable).init);
      if (attempt > 1) log.info('connected to PostgreSQL', { target, attempts: attempt });
      await warnIfTooParallel(db, o.maxParallel ?? 128, target, log);
      break;
    } catch (e) {
      last = scrub(causeOf(e));
      if (e instanceof SchemaError) {
        await pool.end().catch(() => undefined);
        throw new Error(`postgresql storage at ${target}: ${last}`);
      }
      log.error(`cannot open postgresql storage at ${target}: ${last}; retrying in ${wait} ms`, { attempt });
    }
    await sleep(wait, o.signal);
    wait = Math.min(backoff.maxMs, wait * 2);
  }
  let channel: string | undefined;
  if (haTable !== undefined) {
    // A channel no other store in this database uses (NOTIFY channels are per database).
    const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s ?? '';
    channel = `ward_changes_${createHash('sha256').update(`${schema}\0${table}`).digest('hex').slice(0, 16)}`;
  }
  return new PostgresPhysical(db, {
    table,
    ...(haTable !== undefined ? { haTable } : {}),
    ...(channel !== undefined ? { channel } : {}),
    lockTiming: o.lockTiming ?? lockTiming(o.lockTtlMs ?? VAULT_LOCK_TTL_MS),
    logger: log,
    maxParallel: o.maxParallel ?? 128,
  });
}
