/**
 * PostgreSQL storage tests: one real server per test file, and a fresh schema per store
 * (through the connection's search_path), so every store starts empty and Vault's fixed
 * constraint names never collide between stores.
 */
import pg from 'pg';
import { startPostgres, type TestPostgres } from './postgres.js';

export interface PgStorageEnv {
  db: TestPostgres;
  /** A superuser pool for looking at (and tampering with) tables behind a store's back. */
  admin: pg.Pool;
  /** Creates an empty schema and returns a connection URL whose search_path is it. */
  freshUrl(): Promise<{ url: string; schema: string }>;
  stop(): Promise<void>;
}

/** The URL with `search_path` set to `schema` (as an operator would with `options`). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function startPgStorageEnv(): Promise<PgStorageEnv> {
  const db = await startPostgres();
  const admin = new pg.Pool({ connectionString: db.url, max: 2 });
  admin.on('error', () => undefined); // idle clients die when a test stops the server
  let n = 0;
  return {
    db,
    admin,
    async freshUrl() {
      const schema = `ward_t${process.pid}_${n++}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      return { url: withSearchPath(db.url, schema), schema };
    },
    async stop() {
      await admin.end().catch(() => undefined);
      await db.stop();
    },
  };
}
