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

  /**
   * A connection for the caller's exclusive use; give it back with checkin(). pg's pool
   * stops listening for a checked-out connection's 'error' event, and a server that goes
   * away between two statements (mid-transaction, mid-scan) would then crash the process:
   * the error is recorded here instead, and the connection dropped at checkin.
   */
  async checkout(): Promise<{ c: pg.PoolClient; checkin(e?: unknown): void }> {
    const c = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (e: Error): void => void (lost ??= e);
    c.on('error', onError);
    return {
      c,
      checkin: (e?: unknown) => {
        c.removeListener('error', onError);
        const broken = lost ?? (e !== undefined && !connectionStillGood(e) ? (e instanceof Error ? e : new Error(String(e))) : undefined);
        c.release(broken ?? (this.maxIdle !== undefined && this.pool.idleCount >= this.maxIdle));
      },
    };
  }

  /** Runs `fn` on one connection; releases it (closing it when broken or when too many are idle). */
  async withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const { c, checkin } = await this.checkout();
    let failure: unknown;
    try {
      return await fn(c);
    } catch (e) {
      failure = e;
      throw e;
    } finally {
      checkin(failure);
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
