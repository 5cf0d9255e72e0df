/**
 * What the engine does inside PostgreSQL: create, renew and drop dynamic users, set static
 * and root passwords. Every multi-statement change runs in one transaction. Callers map
 * thrown errors with `dbError`.
 */
import type pg from 'pg';
import { quoteIdent, renderStatements, type StatementVars } from './template.js';

export const DEFAULT_RENEW = [`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`];
export const DEFAULT_ROTATE = [`ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}';`];
export const DEFAULT_ROOT_ROTATE = [`ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`];

async function withClient<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const out = await fn(client);
    client.release();
    return out;
  } catch (e) {
    // A client that failed mid-transaction may be unusable: destroy it rather than reuse it.
    client.release(e instanceof Error ? e : true);
    throw e;
  }
}

/** Runs already-rendered statements in one transaction. */
export function runInTransaction(pool: pg.Pool, statements: readonly string[]): Promise<void> {
  return withClient(pool, async (c) => {
    await c.query('BEGIN');
    try {
      for (const s of statements) await c.query(s);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}

/** Checks that the connection works at all. */
export async function verifyConnection(pool: pg.Pool): Promise<void> {
  await withClient(pool, (c) => c.query('SELECT 1'));
}

/**
 * Creates a dynamic user. On failure the rollback statements run (best effort, outside the
 * failed transaction) and the creation error is rethrown.
 */
export async function createUser(pool: pg.Pool, creation: readonly string[], rollback: readonly string[], vars: StatementVars): Promise<void> {
  try {
    await runInTransaction(pool, renderStatements(creation, vars));
  } catch (e) {
    if (rollback.length > 0) await runInTransaction(pool, renderStatements(rollback, vars)).catch(() => undefined);
    throw e;
  }
}

export function renewUser(pool: pg.Pool, renew: readonly string[], vars: StatementVars): Promise<void> {
  return runInTransaction(pool, renderStatements(renew.length > 0 ? renew : DEFAULT_RENEW, vars));
}

/** Runs the role's revocation statements, or the default: end sessions, hand objects back, drop. */
export async function revokeUser(pool: pg.Pool, revocation: readonly string[], username: string): Promise<void> {
  if (revocation.length > 0) {
    await runInTransaction(pool, renderStatements(revocation, { name: username }));
    return;
  }
  await withClient(pool, async (c) => {
    const found = await c.query<{ oid: string }>('SELECT oid FROM pg_roles WHERE rolname = $1', [username]);
    const oid = found.rows[0]?.oid;
    if (oid === undefined) return;
    const u = quoteIdent(username);
    await c.query('BEGIN');
    try {
      // Objects the user created stay, owned by the connection's user; DROP OWNED then
      // revokes every privilege the user holds in this database and on shared objects.
      await c.query(`REASSIGN OWNED BY ${u} TO CURRENT_USER`);
      await c.query(`DROP OWNED BY ${u}`);
      await c.query(`DROP ROLE IF EXISTS ${u}`);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    // Sessions opened with the revoked credentials end too (needs pg_signal_backend; best effort).
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usesysid = $1', [oid]).catch(() => undefined);
  });
}

/** Sets a password through the given statements (static-role rotation, root rotation). */
export function setPassword(pool: pg.Pool, statements: readonly string[], vars: StatementVars): Promise<void> {
  return runInTransaction(pool, renderStatements(statements, vars));
}

/** Whether a login role exists (static roles must name an existing user). */
export async function roleExists(pool: pg.Pool, username: string): Promise<boolean> {
  return withClient(pool, async (c) => ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount ?? 0) > 0);
}
