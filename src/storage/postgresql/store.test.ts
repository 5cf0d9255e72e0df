/**
 * The PostgreSQL store against a real PostgreSQL: the shared conformance suite, Vault's
 * table layout, snapshot scans, list as an index scan, close.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { exercisePhysical } from '../conformance.js';
import { exerciseChanges } from '../change-conformance.js';
import { openPostgresStore, type PostgresStoreOptions } from './open.js';
import { listQuery } from './queries.js';
import { LISTENER_NAME } from './changes.js';
import { listBounds } from './keys.js';
import { POSTGRES, skipUnless } from '../../../test/helpers/requirement.js';
import { startPgStorageEnv, type PgStorageEnv } from '../../../test/helpers/pg-storage.js';
import { waitFor } from '../../../test/helpers/wait.js';

const skip = skipUnless(POSTGRES);
const env: PgStorageEnv | null = skip ? null : await startPgStorageEnv();
after(() => env?.stop());

/** A store on a fresh schema; a small pool, as the test server allows 100 connections in all. */
async function fresh(o: Partial<PostgresStoreOptions> = {}) {
  const { url, schema } = await env!.freshUrl();
  const store = await openPostgresStore({ connectionUrl: url, maxParallel: 8, ...o });
  return { store, schema };
}

describe('postgresql store', { skip }, () => {
  exercisePhysical('postgresql', async () => (await fresh()).store);

  exerciseChanges('postgresql (LISTEN/NOTIFY)', async () => {
    const { url } = await env!.freshUrl();
    const a = await openPostgresStore({ connectionUrl: url, maxParallel: 4, haEnabled: true });
    const b = await openPostgresStore({ connectionUrl: url, maxParallel: 4, haEnabled: true });
    return {
      a,
      b,
      // Ends the listening connections, as a restart of the server or a dropped link would.
      breakStreams: async () => {
        await env!.admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [LISTENER_NAME]);
      },
      close: async () => {
        await a.close();
        await b.close();
      },
    };
  });

  test('creates Vault\'s tables and stores keys in Vault\'s layout', async () => {
    const { store, schema } = await fresh({ haEnabled: true });
    try {
      await store.put('a/b/c', Buffer.from('v1'));
      await store.put('top', Buffer.from('v2'));
      const rows = await env!.admin.query(`SELECT parent_path, path, key, value FROM ${schema}.vault_kv_store ORDER BY path, key`);
      assert.deepEqual(
        rows.rows.map((r) => [r.parent_path, r.path, r.key, r.value.toString()]),
        [
          ['', '/', 'top', 'v2'],
          ['/a/', '/a/b/', 'c', 'v1'],
        ],
      );
      const cols = await env!.admin.query(
        `SELECT table_name, column_name, data_type, collation_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
        [schema],
      );
      assert.deepEqual(
        cols.rows.map((r) => `${r.table_name}.${r.column_name} ${r.data_type}${r.collation_name ? ` ${r.collation_name}` : ''}`),
        [
          'vault_ha_locks.ha_key text C',
          'vault_ha_locks.ha_identity text C',
          'vault_ha_locks.ha_value text C',
          'vault_ha_locks.valid_until timestamp with time zone',
          'vault_kv_store.parent_path text C',
          'vault_kv_store.path text C',
          'vault_kv_store.key text C',
          'vault_kv_store.value bytea',
        ],
      );
      const pk = await env!.admin.query(
        `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'vault_kv_store' ORDER BY 1`,
        [schema],
      );
      assert.deepEqual(
        pk.rows.map((r) => r.def.replace(`${schema}.`, '')),
        ['CREATE INDEX parent_path_idx ON vault_kv_store USING btree (parent_path)', 'CREATE UNIQUE INDEX pkey ON vault_kv_store USING btree (path, key)'],
      );
    } finally {
      await store.close();
    }
  });

  test('uses a table an operator created, and a custom table name', async () => {
    const { url, schema } = await env!.freshUrl();
    await env!.admin.query(`CREATE TABLE ${schema}."my kv" (parent_path TEXT COLLATE "C" NOT NULL, path TEXT COLLATE "C", key TEXT COLLATE "C", value BYTEA, CONSTRAINT pkey PRIMARY KEY (path, key))`);
    await env!.admin.query(`INSERT INTO ${schema}."my kv" VALUES ('/', '/x/', 'y', 'pre')`);
    const store = await openPostgresStore({ connectionUrl: url, table: 'my kv', skipCreateTable: true, maxParallel: 2 });
    try {
      assert.equal((await store.get('x/y'))?.toString(), 'pre');
      assert.deepEqual(await store.list(''), ['x/']);
    } finally {
      await store.close();
    }
  });

  test('list by prefix is an index scan, not a table scan', async () => {
    const { store, schema } = await fresh();
    try {
      const ops = [];
      // A store where the listed folder is a small part of the whole, as in real use.
      for (let i = 0; i < 8000; i++) ops.push({ op: 'put' as const, key: `logical/m${i % 30}/k${i}`, value: Buffer.from('x') });
      for (let i = 0; i < 200; i++) ops.push({ op: 'put' as const, key: `sys/token/id/h${i}`, value: Buffer.from('x') });
      await store.transaction(ops);
      await env!.admin.query(`ANALYZE ${schema}.vault_kv_store`);
      for (const prefix of ['', 'logical/', 'sys/token/id/', 'logical/m1']) {
        const b = listBounds(prefix);
        const c = await env!.admin.connect();
        try {
          await c.query(`SET search_path = ${schema}`);
          const plan = await c.query(`EXPLAIN ${listQuery('"vault_kv_store"')}`, [b.full, b.fullEnd, b.dir, b.part, b.partEnd]);
          const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
          assert.doesNotMatch(text, /Seq Scan/, `list("${prefix}") plan:\n${text}`);
          assert.match(text, /Index (Only )?Scan using pkey/, `list("${prefix}") plan:\n${text}`);
        } finally {
          c.release();
        }
      }
      assert.equal((await store.list('logical/')).length, 30);
      assert.equal((await store.list('sys/token/id/')).length, 200);
    } finally {
      await store.close();
    }
  });

  test('scan pages through a snapshot in key order, in batches', async () => {
    const { store } = await fresh();
    try {
      const keys = Array.from({ length: 1234 }, (_, i) => `s/${String(i).padStart(4, '0')}`).concat(['a/1', 'a-b', 'z']);
      await store.transaction(keys.map((k) => ({ op: 'put' as const, key: k, value: Buffer.from(`v-${k}`) })));
      const seen: string[] = [];
      const sizes: number[] = [];
      let first = true;
      for await (const batch of store.scan!()) {
        sizes.push(batch.length);
        for (const e of batch) {
          assert.equal(e.value.toString(), `v-${e.key}`);
          seen.push(e.key);
        }
        if (first) {
          // Changes made after the scan began are not part of it.
          await store.put('s/0000-late', Buffer.from('late'));
          await store.delete('z');
          first = false;
        }
      }
      assert.deepEqual(seen, [...keys].sort());
      assert.ok(sizes.every((n) => n <= 500) && sizes.length >= 3, `batch sizes ${sizes.join(',')}`);
      assert.equal(await store.get('z'), null);
    } finally {
      await store.close();
    }
  });

  test('a scan abandoned part way frees its connection', async () => {
    const { store } = await fresh({ maxParallel: 1 });
    try {
      await store.transaction(Array.from({ length: 600 }, (_, i) => ({ op: 'put' as const, key: `k${i}`, value: Buffer.from('x') })));
      for await (const batch of store.scan!()) {
        assert.ok(batch.length > 0);
        break;
      }
      // With one connection in the pool, this would wait forever if the scan kept it.
      assert.equal((await store.get('k1'))?.toString(), 'x');
    } finally {
      await store.close();
    }
  });

  test('writes issued in order apply in order, even on different connections', async () => {
    const { store } = await fresh();
    try {
      const writes = [];
      for (let i = 0; i < 50; i++) writes.push(store.put('same', Buffer.from(String(i))));
      writes.push(store.delete('same'), store.put('same', Buffer.from('last')));
      await Promise.all(writes);
      assert.equal((await store.get('same'))?.toString(), 'last');
    } finally {
      await store.close();
    }
  });

  test('writes issued together share statements (group commit); a bad one fails alone', async () => {
    const { store } = await fresh();
    try {
      // Counts the statements the store sends (its pool is private: reached for the test only).
      const db = (store as unknown as { db: { query: (...a: unknown[]) => Promise<unknown> } }).db;
      const query = db.query.bind(db);
      let statements = 0;
      db.query = (...a: unknown[]) => {
        statements++;
        return query(...a);
      };
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.transaction([{ op: 'put', key: `g/${i}/v`, value: Buffer.from(String(i)) }, { op: 'put', key: `g/${i}/m`, value: Buffer.from('m') }])));
      assert.ok(statements < 10, `40 transactions issued together took ${statements} statements`);
      assert.equal((await store.list('g/')).length, 40);
      // PostgreSQL refuses a NUL in text: that transaction fails, the others of its group commit.
      const results = await Promise.allSettled([store.put('ok/1', Buffer.from('1')), store.put('bad/\u0000', Buffer.from('x')), store.put('ok/2', Buffer.from('2'))]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual(await store.list('ok/'), ['1', '2']);
      assert.deepEqual(await store.list('bad/'), []);
    } finally {
      await store.close();
    }
  });

  test('max_idle_connections: connections beyond it are closed when released, not kept idle', async () => {
    const idle = async (app: string) =>
      Number((await env!.admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'`, [app])).rows[0].n);
    const burst = async (maxIdleConnections: number | undefined, app: string) => {
      const { url } = await env!.freshUrl();
      const u = new URL(url);
      u.searchParams.set('application_name', app);
      // No idle timeout: only the limit can close an idle connection here.
      const store = await openPostgresStore({ connectionUrl: u.toString(), maxParallel: 6, idleTimeoutMs: 0, ...(maxIdleConnections === undefined ? {} : { maxIdleConnections }) });
      await store.put('k', Buffer.from('v'));
      await Promise.all(Array.from({ length: 30 }, () => store.get('k')));
      return store;
    };
    // Without the setting, a burst leaves several connections idle in the pool...
    const control = await burst(undefined, 'ward-idle-control');
    try {
      await waitFor('the burst to leave several idle connections', async () => (await idle('ward-idle-control')) >= 2);
    } finally {
      await control.close();
    }
    // ...with it, all but one are closed as they are released.
    const store = await burst(1, 'ward-idle-limited');
    try {
      await waitFor('idle connections to drop to the limit', async () => (await idle('ward-idle-limited')) <= 1);
      assert.equal((await store.get('k'))?.toString(), 'v');
    } finally {
      await store.close();
    }
  });

  test('without ha_enabled there is no HA lock (and no lock table)', async () => {
    const { store, schema } = await fresh();
    try {
      assert.equal(store.ha, undefined);
      assert.equal((await env!.admin.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'vault_ha_locks'`, [schema])).rowCount, 0);
    } finally {
      await store.close();
    }
  });

  test('close waits for queued writes, is idempotent, and later calls fail clearly', async () => {
    const { store, schema } = await fresh();
    const pending = store.put('q', Buffer.from('flushed'));
    await store.close();
    await pending;
    await store.close();
    const r = await env!.admin.query(`SELECT value FROM ${schema}.vault_kv_store WHERE key = 'q'`);
    assert.equal(r.rows[0]?.value.toString(), 'flushed');
    await assert.rejects(store.get('q'), /postgresql storage is closed/);
    await assert.rejects(store.put('x', Buffer.from('y')), /postgresql storage is closed/);
  });
});
