/**
 * `storage "postgresql" { … }`: Vault's keys for its PostgreSQL backend (connection_url,
 * table, ha_enabled, ha_table, max_parallel, max_idle_connections), plus two Ward keys:
 * `skip_create_table` (OpenBao's name; Vault never creates tables, Ward does unless told
 * not to) and `lock_timeout` (the HA lock TTL; Vault fixes it at 15 s, etcd's stanza has
 * this key, and failover tests need it shorter).
 */
import { parseDurationSeconds } from '../../lib/duration.js';
import { bool, int, str, type Block, type Locator } from '../config.js';
import { createLogger } from '../logger.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import type { StoreLogger } from '../../storage/postgresql/logger.js';

export interface PostgresqlStorageConfig {
  type: 'postgresql';
  /** Holds the password: never log or echo it (redactConnectionUrl). */
  connectionUrl: string;
  table: string;
  haEnabled: boolean;
  haTable: string;
  maxParallel: number;
  maxIdleConnections?: number;
  skipCreateTable: boolean;
  lockTtlMs: number;
}

const KEYS = new Set(['connection_url', 'table', 'ha_enabled', 'ha_table', 'max_parallel', 'max_idle_connections', 'skip_create_table', 'lock_timeout']);

/** Vault reads VAULT_PG_CONNECTION_URL over the file's value; Ward's own name wins over both. */
const ENV_URLS = ['WARD_PG_CONNECTION_URL', 'VAULT_PG_CONNECTION_URL'] as const;

function name(b: Block, k: string, loc: Locator, at: number): string | undefined {
  const v = str(b.body, k, loc, at);
  if (v !== undefined && v.trim() === '') throw loc.error(`${k} must not be empty`, k, at);
  return v;
}

export function parsePostgresql(b: Block, loc: Locator, at: number, env: NodeJS.ProcessEnv = process.env): PostgresqlStorageConfig {
  for (const k of Object.keys(b.body)) if (!KEYS.has(k)) throw loc.error(`unknown key "${k}" in storage "postgresql"`, k, at);
  const fromFile = str(b.body, 'connection_url', loc, at);
  const fromEnv = ENV_URLS.map((k) => env[k]).find((v) => v !== undefined && v !== '');
  const connectionUrl = fromEnv ?? fromFile;
  if (connectionUrl === undefined || connectionUrl === '') {
    throw loc.error('storage "postgresql" requires connection_url (or the VAULT_PG_CONNECTION_URL environment variable)', undefined, at);
  }
  const maxParallel = int(b.body, 'max_parallel', loc, at) ?? 128;
  if (maxParallel < 1) throw loc.error('max_parallel must be at least 1', 'max_parallel', at);
  let lockTtlMs = 15_000;
  if (b.body['lock_timeout'] !== undefined) {
    let secs: number;
    try {
      secs = parseDurationSeconds(b.body['lock_timeout']);
    } catch {
      throw loc.error('lock_timeout must be a duration such as "15s"', 'lock_timeout', at);
    }
    if (secs < 1) throw loc.error('lock_timeout must be at least 1s', 'lock_timeout', at);
    lockTtlMs = secs * 1000;
  }
  const cfg: PostgresqlStorageConfig = {
    type: 'postgresql',
    connectionUrl,
    table: name(b, 'table', loc, at) ?? 'vault_kv_store',
    haEnabled: bool(b.body, 'ha_enabled', loc, at) ?? false,
    haTable: name(b, 'ha_table', loc, at) ?? 'vault_ha_locks',
    maxParallel,
    skipCreateTable: bool(b.body, 'skip_create_table', loc, at) ?? false,
    lockTtlMs,
  };
  const maxIdle = int(b.body, 'max_idle_connections', loc, at);
  if (maxIdle !== undefined) cfg.maxIdleConnections = maxIdle;
  return cfg;
}

export interface OpenPostgresqlOptions {
  /** Where connection failures are logged while the opener retries (default: the server's stderr logger). */
  logger?: StoreLogger;
  /** Stops the retrying (shutdown before the database ever answered). */
  signal?: AbortSignal;
}

/**
 * Opens the store (the driver is imported here, only when this engine is configured).
 * Waits, retrying, until the database answers: the node keeps trying rather than exiting.
 */
export async function openPostgresql(config: PostgresqlStorageConfig, o: OpenPostgresqlOptions = {}): Promise<PhysicalBackend> {
  const { openPostgresStore } = await import('../../storage/postgresql/open.js');
  return openPostgresStore({
    connectionUrl: config.connectionUrl,
    table: config.table,
    haEnabled: config.haEnabled,
    haTable: config.haTable,
    maxParallel: config.maxParallel,
    ...(config.maxIdleConnections !== undefined ? { maxIdleConnections: config.maxIdleConnections } : {}),
    skipCreateTable: config.skipCreateTable,
    lockTtlMs: config.lockTtlMs,
    logger: o.logger ?? createLogger('info').child('storage.postgresql'),
    ...(o.signal ? { signal: o.signal } : {}),
  });
}
