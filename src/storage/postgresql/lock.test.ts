/**
 * The PostgreSQL HA lock against a real PostgreSQL: the shared HA suite, fencing decided
 * by the engine (not by what the node believes), renewal, and loss when the engine is
 * unreachable for a whole TTL.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { exerciseHa } from '../ha-conformance.js';
import { LockLostError } from '../physical.js';
import { openPostgresStore } from './open.js';
import { buildQueries } from './queries.js';
import type { LockTiming } from './lock.js';
import type { StoreLogger } from './logger.js';
import { POSTGRES, skipUnless } from '../../../test/helpers/requirement.js';
import { startPgStorageEnv, type PgStorageEnv } from '../../../test/helpers/pg-storage.js';
import { pause, waitFor } from '../../../test/helpers/wait.js';

const skip = skipUnless(POSTGRES);
const env: PgStorageEnv | null = skip ? null : await startPgStorageEnv();
after(() => env?.stop());

const TIMING: LockTiming = { ttlMs: 3000, renewMs: 1000, retryMs: 200 };
const LOCK = 'core/lock';
const never = (): AbortSignal => new AbortController().signal;
const quiet: StoreLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function node(url: string, logger: StoreLogger = quiet) {
  return openPostgresStore({ connectionUrl: url, haEnabled: true, maxParallel: 6, lockTiming: TIMING, logger, retry: { initialMs: 100, maxMs: 500 } });
}

/** Resolves 'pending' when `p` has not settled after a moment (used to show something has NOT happened). */
const stillPending = (p: Promise<unknown>, ms = 300) => Promise.race([p.then(() => 'settled', () => 'settled'), pause(ms).then(() => 'pending')]);

describe('postgresql HA lock', { skip }, () => {
  exerciseHa('postgresql', async () => {
    const { url, schema } = await env!.freshUrl();
    const a = await node(url);
    const b = await node(url);
    return {
      a,
      b,
      forceExpire: async (key) => void (await env!.admin.query(`DELETE FROM ${schema}.vault_ha_locks WHERE ha_key = $1`, [key])),
      close: async () => void (await Promise.all([a.close(), b.close()])),
    };
  });

  test('the engine refuses a write the node still believes fenced-in: row deleted behind its back', async () => {
    const { url, schema } = await env!.freshUrl();
    const a = await node(url);
    try {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      await a.put('k', Buffer.from('before'));
      await env!.admin.query(`DELETE FROM ${schema}.vault_ha_locks`);
      // No renewal has run yet: only the engine can know the holding is over.
      assert.equal(await stillPending(held.lost, 10), 'pending');
      await assert.rejects(a.put('k', Buffer.from('stale')), LockLostError);
      await held.lost; // the refused write ends the holding at once
      assert.equal((await a.get('k'))?.toString(), 'before');
    } finally {
      await a.close();
    }
  });

  test('the engine refuses deletes and transactions once another node has taken the row', async () => {
    const { url, schema } = await env!.freshUrl();
    const a = await node(url);
    try {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      await a.transaction([
        { op: 'put', key: 'x', value: Buffer.from('1') },
        { op: 'put', key: 'y', value: Buffer.from('2') },
      ]);
      await env!.admin.query(`UPDATE ${schema}.vault_ha_locks SET ha_identity = 'someone-else', ha_value = 'b'`);
      await assert.rejects(
        a.transaction([
          { op: 'put', key: 'x', value: Buffer.from('stale') },
          { op: 'delete', key: 'y' },
        ]),
        LockLostError,
      );
      await held.lost;
      await assert.rejects(a.delete('y'), LockLostError);
      const rows = await env!.admin.query(`SELECT key, value FROM ${schema}.vault_kv_store ORDER BY key`);
      assert.deepEqual(rows.rows.map((r) => `${r.key}=${r.value}`), ['x=1', 'y=2']);
      assert.equal(await a.ha!.lock(LOCK, 'x').value(), 'b');
    } finally {
      await a.close();
    }
  });

  test('the lock row is Vault\'s: ha_key, ha_identity, ha_value, valid_until from the engine\'s clock', async () => {
    const { url, schema } = await env!.freshUrl();
    const a = await node(url);
    try {
      const held = await a.ha!.lock(LOCK, 'https://a:8200').acquire(never());
      const r = await env!.admin.query(`SELECT ha_key, ha_identity, ha_value, valid_until - now() AS left FROM ${schema}.vault_ha_locks WHERE ha_key = $1`, [LOCK]);
      assert.equal(r.rows.length, 1);
      assert.equal(r.rows[0].ha_key, LOCK);
      assert.equal(r.rows[0].ha_value, 'https://a:8200');
      assert.match(r.rows[0].ha_identity, /^[0-9a-f-]{36}$/);
      const left = r.rows[0].left as { seconds?: number; milliseconds?: number };
      const ms = (left.seconds ?? 0) * 1000 + (left.milliseconds ?? 0);
      assert.ok(ms > 0 && ms <= TIMING.ttlMs, `valid for ${ms} ms`);
      await held.release();
      // The HA table also holds the change stream's counter row (notify-queries.ts), never the lock.
      assert.equal((await env!.admin.query(`SELECT 1 FROM ${schema}.vault_ha_locks WHERE ha_key = $1`, [LOCK])).rowCount, 0);
    } finally {
      await a.close();
    }
  });

  test('renewals keep the lock beyond its TTL; an expired row is free for the taking', async () => {
    const { url, schema } = await env!.freshUrl();
    const a = await node(url);
    const b = await node(url);
    try {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      const waiting = b.ha!.lock(LOCK, 'b').acquire(never());
      await pause(TIMING.ttlMs * 2); // two TTLs: only renewals can have kept it
      assert.equal(await stillPending(held.lost), 'pending');
      assert.equal(await stillPending(waiting), 'pending');
      assert.equal(await b.ha!.lock(LOCK, 'x').value(), 'a');
      // An expired row (a holder that died without deleting it) is nobody's, and is taken over.
      await held.release();
      const taken = await waiting;
      await env!.admin.query(`UPDATE ${schema}.vault_ha_locks SET valid_until = now() - interval '1 second'`);
      assert.equal(await a.ha!.lock(LOCK, 'x').value(), null);
      const again = await a.ha!.lock(LOCK, 'a2').acquire(never());
      await taken.lost;
      assert.equal(await b.ha!.lock(LOCK, 'x').value(), 'a2');
      await again.release();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a steady stream of fenced writes never starves the renewals (the holder keeps its lock under load)', async () => {
    const { url } = await env!.freshUrl();
    const a = await openPostgresStore({ connectionUrl: url, haEnabled: true, maxParallel: 24, lockTiming: TIMING, logger: quiet });
    try {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      let stop = false;
      let writes = 0;
      const writers = Array.from({ length: 24 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          await a.put(`load/${w}/${i % 20}`, Buffer.from(String(i)));
          writes++;
        }
      });
      await pause(TIMING.ttlMs * 2.5); // several renewals must get through the writes
      const state = await stillPending(held.lost, 10);
      stop = true;
      await Promise.all(writers);
      assert.equal(state, 'pending', 'the holder lost its lock under write load');
      assert.ok(writes > 100, `only ${writes} writes`);
      await held.release();
    } finally {
      await a.close();
    }
  });

  test('a write in progress never holds up a renewal (a slow write cannot cost the lock)', async () => {
    const { url, schema } = await env!.freshUrl();
    const a = await node(url);
    const writer = await env!.admin.connect();
    try {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      const identity = (await env!.admin.query(`SELECT ha_identity FROM ${schema}.vault_ha_locks WHERE ha_key = $1`, [LOCK])).rows[0].ha_identity;
      // Exactly what a's fenced write runs first, left open as a slow write would leave it.
      await writer.query(`SET search_path = ${schema}`);
      await writer.query('BEGIN');
      assert.equal((await writer.query(buildQueries('vault_kv_store', 'vault_ha_locks').guard, [LOCK, identity])).rowCount, 1);
      await pause(TIMING.ttlMs * 2);
      assert.equal(await stillPending(held.lost, 10), 'pending', 'the renewals waited for the write and the lock was lost');
      await writer.query('COMMIT');
      await held.release();
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      writer.release();
      await a.close();
    }
  });

  test('a takeover waits for every write that passed the guard before the row expired', async () => {
    const { url, schema } = await env!.freshUrl();
    const b = await node(url);
    const writer = await env!.admin.connect();
    try {
      // A holder "x" whose row is about to expire has a write in flight that passed the guard.
      await env!.admin.query(`INSERT INTO ${schema}.vault_ha_locks VALUES ($1, 'x-identity', 'x', clock_timestamp() + interval '1 second')`, [LOCK]);
      await writer.query(`SET search_path = ${schema}`);
      await writer.query('BEGIN');
      assert.equal((await writer.query(buildQueries('vault_kv_store', 'vault_ha_locks').guard, [LOCK, 'x-identity'])).rowCount, 1);
      await waitFor('the row to expire', async () => (await b.ha!.lock(LOCK, 'q').value()) === null);
      const taking = b.ha!.lock(LOCK, 'b').acquire(never());
      assert.equal(await stillPending(taking, 1500), 'pending', 'the lock was taken while a write fenced by the old holding could still commit');
      await writer.query('COMMIT');
      const held = await taking;
      assert.equal(await b.ha!.lock(LOCK, 'q').value(), 'b');
      await held.release();
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      writer.release();
      await b.close();
    }
  });

  // Last: it stops the file's server.
  test('the holding is lost when no renewal reaches the engine within the TTL; acquire waits out the outage', async () => {
    const { url } = await env!.freshUrl();
    const logged: string[] = [];
    const logger: StoreLogger = {
      info: (m) => logged.push(m),
      warn: (m, f) => logged.push(`${m} ${JSON.stringify(f ?? {})}`),
      error: (m, f) => logged.push(`${m} ${JSON.stringify(f ?? {})}`),
    };
    const a = await node(url, logger);
    try {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      await env!.db.stopServer();
      let down = true;
      try {
        await held.lost;
        assert.ok(logged.some((l) => l.startsWith('lost the HA lock')), logged.join('\n'));
        await assert.rejects(a.put('k', Buffer.from('v')), LockLostError);
        const again = a.ha!.lock(LOCK, 'a').acquire(never());
        await waitFor('a failed attempt to be logged', () => logged.some((l) => l.startsWith('cannot reach PostgreSQL to take the HA lock')));
        assert.ok(!logged.join('\n').includes(env!.db.password), 'the password was logged');
        assert.equal(await stillPending(again), 'pending');
        await env!.db.startServer();
        down = false;
        // The old row expired while the server was down (the engine's clock ran on).
        const held2 = await again;
        await a.put('k', Buffer.from('after'));
        assert.equal((await a.get('k'))?.toString(), 'after');
        await held2.release();
      } finally {
        if (down) await env!.db.startServer();
      }
    } finally {
      await a.close();
    }
  });
});
