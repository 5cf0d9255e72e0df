/**
 * The connection pool a store runs on: queries and transactions on pooled connections,
 * `max_idle_connections` (which pg's pool lacks: a connection released while that many
 * sit idle is closed), and dropping connections whose link failed instead of reusing them.
 */
import pg from 'pg';
import { LockLostError } from '../physical.js';

/** Errors that leave the connection healthy: the server answered, or Ward refused on its own. */
function connectionStillGood(e: unknown): boolean {
  return e instanceof pg.DatabaseError || e instanceof LockLostError || (e instanceof Error && e.name === 'SchemaError');
}

export class Db {
  constructor(
    readonly pool: pg.Pool,
    private readonly maxIdle: number | undefined,
  ) {}

  /** Runs `fn` on one connection; releases it (closing it when broken or when too many are idle). */
  async withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(c);
    } catch (e) {
      if (!connectionStillGood(e)) broken = e instanceof Error ? e : new Error(String(e));
      throw e;
    } finally {
      c.release(broken ?? (this.maxIdle !== undefined && this.pool.idleCount >= this.maxIdle));
    }
  }

  query<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], timeoutMs?: number): Promise<pg.QueryResult<R>> {
    // query_timeout: a renewal must give up rather than hang on a silent server.
    return this.withClient((c) => c.query<R>(timeoutMs === undefined ? { text, values } : { text, values, query_timeout: timeoutMs } as pg.QueryConfig));
  }

  /** BEGIN (with `mode`), `fn`, COMMIT; ROLLBACK on any error. Resolves once committed. */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>, mode = ''): Promise<T> {
    return this.withClient(async (c) => {
      await c.query(`BEGIN${mode ? ` ${mode}` : ''}`);
      let out: T;
      try {
        out = await fn(c);
      } catch (e) {
        try {
          await c.query('ROLLBACK');
        } catch {
          throw new Error(`${(e as Error).message} (and the rollback failed: the connection is dropped)`);
        }
        throw e;
      }
      await c.query('COMMIT');
      return out;
    });
  }
}
