/**
 * A node frozen in the middle of a write (SIGSTOP, a long GC pause, a partitioned link) must
 * not leave PostgreSQL holding locks for it: the next active node takes the HA lock by
 * deleting the old row, and a transaction left open after the fence's FOR KEY SHARE guard
 * would make that wait until the frozen node resumes (seen in CI: the standby never became
 * active). Here the node's connection stops sending after each statement of a grouped write
 * in turn, and no session may then sit idle in a transaction.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from './open.js';
import type { LockTiming } from './lock.js';
import { POSTGRES, skipUnless } from '../../../test/helpers/requirement.js';
import { startPgStorageEnv, type PgStorageEnv } from '../../../test/helpers/pg-storage.js';

const skip = skipUnless(POSTGRES);
const env: PgStorageEnv | null = skip ? null : await startPgStorageEnv();
after(() => env?.stop());

const TIMING: LockTiming = { ttlMs: 60_000, renewMs: 20_000, retryMs: 200 };
const never = (): AbortSignal => new AbortController().signal;

type Query = typeof pg.Client.prototype.query;

/** The store's connections carry this name; the test's own (admin) connections do not. */
const APP = 'ward-frozen-writer';

/** Makes the `n`th statement the store's connections send from now on never leave (the process is "frozen" just before it). */
function freezeAt(n: number): { frozen: Promise<void>; restore(): void } {
  const original: Query = pg.Client.prototype.query;
  let sent = 0;
  let thaw: (e: Error) => void = () => undefined;
  let reached!: () => void;
  const frozen = new Promise<void>((r) => (reached = r));
  // pg's query has a dozen overloads; the wrapper passes every argument through unchanged.
  pg.Client.prototype.query = function (this: pg.Client & { connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
    if (this.connectionParameters?.application_name === APP && ++sent === n) {
      reached();
      // Never sent; failed when the test ends, as the connection of a killed process would.
      return new Promise((_, reject) => (thaw = reject));
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as Query;
  return {
    frozen,
    restore: () => {
      pg.Client.prototype.query = original;
      thaw(new Error('the frozen node was killed'));
    },
  };
}

describe('postgresql: a writer frozen mid-write', { skip }, () => {
  for (let n = 1; n <= 4; n++) {
    test(`frozen before its statement ${n}: no session is left idle in a transaction`, async () => {
      const fresh = await env!.freshUrl();
      const u = new URL(fresh.url);
      u.searchParams.set('application_name', APP);
      const store = await openPostgresStore({ connectionUrl: u.toString(), haEnabled: true, maxParallel: 4, lockTiming: TIMING });
      const freeze = { restore: () => undefined } as { frozen?: Promise<void>; restore(): void };
      const admin = await env!.admin.connect();
      try {
        await store.ha!.lock('core/lock', 'a').acquire(never());
        await store.put('x', Buffer.from('0'));
        Object.assign(freeze, freezeAt(n));
        // A grouped write: a KV v2 write's shape (version, metadata, a purged version).
        const write = store.transaction([
          { op: 'put', key: 'kv/data/v2', value: Buffer.from('2') },
          { op: 'put', key: 'kv/meta', value: Buffer.from('m') },
          { op: 'delete', key: 'x' },
        ]);
        write.catch(() => undefined); // rejected when the frozen node is "killed" below
        const outcome = await Promise.race([write.then(() => 'done' as const), freeze.frozen!.then(() => 'frozen' as const)]);
        if (outcome === 'frozen') {
          // The statement before the frozen one has answered: the backend's state is current.
          const open = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state LIKE 'idle in transaction%'`, [APP]);
          assert.equal(open.rows[0].n, 0, 'a session holds a transaction (and its locks) open for the frozen node');
        }
        // Either way the lock row can be taken over at once.
        await admin.query(`SET lock_timeout = '5s'`);
        await admin.query(`DELETE FROM ${fresh.schema}.vault_ha_locks WHERE ha_key = 'core/lock'`);
      } finally {
        freeze.restore();
        await admin.query(`RESET lock_timeout`).catch(() => undefined);
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [APP]).catch(() => undefined);
        admin.release();
        await store.close().catch(() => undefined);
      }
    });
  }
});
