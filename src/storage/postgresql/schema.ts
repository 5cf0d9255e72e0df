/**
 * Vault's tables, created when missing (unless `skip_create_table`), so an operator's
 * existing schema docs apply unchanged. A table that already exists is used as it is.
 */
import type pg from 'pg';
import type { Db } from './db.js';
import { quoteIdent } from './queries.js';

export const DEFAULT_TABLE = 'vault_kv_store';
export const DEFAULT_HA_TABLE = 'vault_ha_locks';

/**
 * Vault's DDL. Constraint and index names are per schema, so a table with another name
 * gets names derived from it; the default tables get exactly Vault's (pkey, parent_path_idx, ha_key).
 */
export function kvTableDdl(table: string): string[] {
  const t = quoteIdent(table);
  const pkey = quoteIdent(table === DEFAULT_TABLE ? 'pkey' : `${table}_pkey`);
  const idx = quoteIdent(table === DEFAULT_TABLE ? 'parent_path_idx' : `${table}_parent_path_idx`);
  return [
    `CREATE TABLE ${t} (
  parent_path TEXT COLLATE "C" NOT NULL,
  path        TEXT COLLATE "C",
  key         TEXT COLLATE "C",
  value       BYTEA,
  CONSTRAINT ${pkey} PRIMARY KEY (path, key)
)`,
    `CREATE INDEX ${idx} ON ${t} (parent_path)`,
  ];
}

export function haTableDdl(table: string): string[] {
  const key = quoteIdent(table === DEFAULT_HA_TABLE ? 'ha_key' : `${table}_pkey`);
  return [
    `CREATE TABLE ${quoteIdent(table)} (
  ha_key      TEXT COLLATE "C" NOT NULL,
  ha_identity TEXT COLLATE "C" NOT NULL,
  ha_value    TEXT COLLATE "C",
  valid_until TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT ${key} PRIMARY KEY (ha_key)
)`,
  ];
}

/** Why a store cannot use this server or schema; not worth retrying. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

const exists = async (c: pg.PoolClient, table: string): Promise<boolean> =>
  (await c.query<{ oid: string | null }>('SELECT to_regclass($1) AS oid', [quoteIdent(table)])).rows[0]?.oid != null;

/**
 * Checks the server version and creates the missing tables, or (with `skipCreate`)
 * checks they exist. Several nodes may start at once: an advisory lock serialises them.
 */
export async function ensureSchema(db: Db, o: { table: string; haTable?: string; skipCreate: boolean }): Promise<void> {
  const version = Number((await db.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v);
  // INSERT … ON CONFLICT, which every write and the HA lock rely on, arrived in 9.5.
  if (!(version >= 90500)) throw new SchemaError(`PostgreSQL 9.5 or later is required (the server is version ${version})`);
  const tables: Array<[string, string[]]> = [[o.table, kvTableDdl(o.table)]];
  if (o.haTable !== undefined) tables.push([o.haTable, haTableDdl(o.haTable)]);
  if (o.skipCreate) {
    await db.withClient(async (c) => {
      for (const [name] of tables) {
        if (!(await exists(c, name))) throw new Error(`table "${name}" does not exist and skip_create_table is set: create it as Vault's docs show`);
      }
    });
    return;
  }
  await db.tx(async (c) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('ward storage schema'))`);
    for (const [name, ddl] of tables) {
      if (await exists(c, name)) continue;
      for (const stmt of ddl) await c.query(stmt);
    }
  });
}
