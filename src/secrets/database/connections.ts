/**
 * One `pg.Pool` per configured connection, created on first use and keyed by the settings
 * it was built from, so a changed config (or a rotated root password) never reuses a stale
 * pool. Also the one place database errors become WardErrors: an unreachable database is a
 * 502, a failing statement a 500, and neither message may carry a password.
 */
import pg from 'pg';
import { toWellFormed } from '../../lib/unicode.js';
import { WardError, internalError, upstreamError } from '../../sdk/errors.js';
import type { Logger } from '../../sdk/logical.js';
import type { DbConfig } from './store.js';
import { renderConnectionUrl } from './template.js';

const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 30_000;

interface Entry {
  key: string;
  pool: pg.Pool;
}

/** Builds node-postgres pool options from a stored connection config. */
export function poolOptions(c: DbConfig): pg.PoolConfig {
  const templated = /\{\{\s*(username|password)\s*\}\}/.test(c.connection_url);
  let connectionString = renderConnectionUrl(c.connection_url, c.username, c.password, c.disable_escaping);
  const opts: pg.PoolConfig = {
    max: c.max_open_connections > 0 ? c.max_open_connections : 4,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    allowExitOnIdle: true,
  };
  if (c.max_connection_lifetime > 0) opts.maxLifetimeSeconds = c.max_connection_lifetime;
  if (!templated && (c.username !== '' || c.password !== '')) {
    // Credentials given separately from an untemplated URL: put them into the URL, since
    // node-postgres lets URL fields (even absent ones) override the separate options.
    try {
      const u = new URL(connectionString);
      if (u.username === '' && c.username !== '') u.username = encodeURIComponent(c.username);
      if (u.password === '' && c.password !== '') u.password = encodeURIComponent(c.password);
      connectionString = u.toString();
    } catch {
      if (c.username !== '') opts.user = c.username;
      if (c.password !== '') opts.password = c.password;
    }
  }
  opts.connectionString = connectionString;
  return opts;
}

export class Connections {
  private readonly pools = new Map<string, Entry>();

  constructor(private readonly logger: Logger) {}

  /** The pool for `name`, (re)built when the config it was made from changed. */
  pool(name: string, c: DbConfig): pg.Pool {
    const key = JSON.stringify([c.connection_url, c.username, c.password, c.max_open_connections, c.max_connection_lifetime, c.disable_escaping]);
    const existing = this.pools.get(name);
    if (existing && existing.key === key) return existing.pool;
    if (existing) this.retire(existing.pool);
    const pool = new pg.Pool(poolOptions(c));
    // An idle client whose server went away emits 'error' on the pool; unhandled it would
    // crash the process. The pool drops the client; the next checkout reconnects.
    pool.on('error', (e) => this.logger.warn('database: idle connection lost', { connection: name, error: scrub(e.message, [c.password]) }));
    this.pools.set(name, { key, pool });
    return pool;
  }

  /** Closes and forgets the pool for `name` (config delete, reset, root rotation). */
  async close(name: string): Promise<void> {
    const e = this.pools.get(name);
    this.pools.delete(name);
    if (e) await endQuietly(e.pool);
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((e) => endQuietly(e.pool)));
  }

  private retire(pool: pg.Pool): void {
    void endQuietly(pool);
  }
}

async function endQuietly(pool: pg.Pool): Promise<void> {
  try {
    await pool.end();
  } catch {
    // Ending a pool whose server is gone can reject; nothing is left to release.
  }
}

/** Replaces every occurrence of the given secrets in a message. */
export function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) {
    if (s.length < 4) continue;
    out = out.split(s).join('*****');
    const enc = encodeURIComponent(toWellFormed(s));
    if (enc !== s) out = out.split(enc).join('*****');
  }
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1*****@');
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

/**
 * True for errors meaning "the database cannot be reached or will not let us in":
 * socket errors, SQLSTATE classes 08 (connection), 28 (authorization), 57P (shutdown),
 * 3D000 (no such database), and pool/connect timeouts.
 */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as Error & { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code)) return true;
    if (/^(08|28|57P)/.test(code) || code === '3D000') return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error/i.test(e.message);
}

/** Maps a database failure to a WardError whose text names the connection but no secret. */
export function dbError(connection: string, action: string, e: unknown, secrets: readonly string[]): WardError {
  if (WardError.is(e)) return e;
  const raw = e instanceof Error ? e.message || String((e as Error & { code?: unknown }).code ?? e.name) : String(e);
  const msg = scrub(raw, secrets);
  if (isConnectionError(e)) return upstreamError(`${action}: could not connect to database "${connection}": ${msg}`);
  return internalError(`${action}: ${msg}`, e);
}
