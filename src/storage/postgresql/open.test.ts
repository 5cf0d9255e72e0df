/**
 * Opening a PostgreSQL store when the engine is not there yet (or refuses us): the opener
 * names host:port and the cause, never the password, and keeps retrying until it can or
 * is aborted.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { causeOf, openPostgresStore } from './open.js';
import type { StoreLogger } from './logger.js';
import { POSTGRES, skipUnless } from '../../../test/helpers/requirement.js';
import { startPgStorageEnv, type PgStorageEnv } from '../../../test/helpers/pg-storage.js';
import { waitFor } from '../../../test/helpers/wait.js';

const skip = skipUnless(POSTGRES);
const env: PgStorageEnv | null = skip ? null : await startPgStorageEnv();
after(() => env?.stop());

function capture(): { logger: StoreLogger; lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (m: string, f?: Record<string, unknown>) => lines.push(`${level} ${m}${f ? ` ${JSON.stringify(f)}` : ''}`);
  return { lines, logger: { info: line('info'), warn: line('warn'), error: line('error') } };
}
const RETRY = { initialMs: 50, maxMs: 200 };

test('causeOf spells out every address tried (localhost: ::1 and 127.0.0.1) and the error code', () => {
  const one = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
  const two = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  assert.equal(causeOf(Object.assign(new AggregateError([one, two], ''), { code: 'ECONNREFUSED' })), 'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432 (ECONNREFUSED)');
  assert.equal(causeOf(Object.assign(new Error('password authentication failed for user "x"'), { code: '28P01' })), 'password authentication failed for user "x" (28P01)');
  assert.equal(causeOf('weird'), 'weird');
});

describe('opening postgresql storage', { skip }, () => {
  test('an unreachable server: each attempt logs host:port and the cause without the password; abort stops it', async () => {
    const { url } = await env!.freshUrl();
    await env!.db.stopServer();
    try {
      const { logger, lines } = capture();
      const ac = new AbortController();
      const opening = openPostgresStore({ connectionUrl: url, logger, signal: ac.signal, retry: RETRY, maxParallel: 2 });
      await waitFor('two failed attempts', () => lines.filter((l) => l.startsWith('error')).length >= 2);
      ac.abort();
      await assert.rejects(opening, (e: Error) => {
        assert.equal(e.name, 'AbortError');
        assert.match(e.message, /ECONNREFUSED/);
        assert.ok(!e.message.includes(env!.db.password));
        return true;
      });
      const first = lines.find((l) => l.startsWith('error')) ?? '';
      assert.match(first, new RegExp(`cannot open postgresql storage at 127\\.0\\.0\\.1:${env!.db.port} \\(database "postgres", user "ward_admin"\\): .*ECONNREFUSED.*; retrying`));
      assert.ok(!lines.join('\n').includes(env!.db.password), 'the password was logged');
    } finally {
      await env!.db.startServer();
    }
  });

  test('a server that comes up after the opener began: the opener connects and the store works', async () => {
    const { url } = await env!.freshUrl();
    await env!.db.stopServer();
    let up = false;
    try {
      const { logger, lines } = capture();
      const opening = openPostgresStore({ connectionUrl: url, logger, retry: RETRY, maxParallel: 2 });
      await waitFor('a failed attempt', () => lines.some((l) => l.startsWith('error')));
      await env!.db.startServer();
      up = true;
      const store = await opening;
      try {
        await store.put('a/b', Buffer.from('v'));
        assert.equal((await store.get('a/b'))?.toString(), 'v');
        assert.ok(lines.some((l) => l.startsWith('info connected to PostgreSQL')), lines.join('\n'));
      } finally {
        await store.close();
      }
    } finally {
      if (!up) await env!.db.startServer();
    }
  });

  test('a wrong password is reported (without it) and retried, as the user may be created later', async () => {
    const u = new URL(env!.db.url);
    u.password = 'not-the-password-%21x';
    const { logger, lines } = capture();
    const ac = new AbortController();
    const opening = openPostgresStore({ connectionUrl: u.toString(), logger, signal: ac.signal, retry: RETRY, maxParallel: 1 });
    await waitFor('two failed attempts', () => lines.filter((l) => l.startsWith('error')).length >= 2);
    ac.abort();
    await assert.rejects(opening, { name: 'AbortError' });
    assert.match(lines[0] ?? '', /password authentication failed for user "ward_admin" \(28P01\)/);
    assert.ok(!lines.join('\n').includes('not-the-password'), lines.join('\n'));
  });

  test('skip_create_table: a missing table is reported and waited for, never created', async () => {
    const { url, schema } = await env!.freshUrl();
    const { logger, lines } = capture();
    const opening = openPostgresStore({ connectionUrl: url, skipCreateTable: true, logger, retry: RETRY, maxParallel: 1 });
    await waitFor('a failed attempt', () => lines.some((l) => l.startsWith('error')));
    assert.match(lines[0] ?? '', /table "vault_kv_store" does not exist and skip_create_table is set/);
    assert.equal((await env!.admin.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1`, [schema])).rowCount, 0);
    await env!.admin.query(`CREATE TABLE ${schema}.vault_kv_store (parent_path TEXT COLLATE "C" NOT NULL, path TEXT COLLATE "C", key TEXT COLLATE "C", value BYTEA, CONSTRAINT pkey PRIMARY KEY (path, key))`);
    const store = await opening;
    try {
      await store.put('k', Buffer.from('v'));
      assert.equal((await store.get('k'))?.toString(), 'v');
    } finally {
      await store.close();
    }
  });

  test('the server restarting under a scan and a pool of idle connections: errors, not a crash; then it works again', async () => {
    const { url } = await env!.freshUrl();
    const { logger } = capture();
    const store = await openPostgresStore({ connectionUrl: url, logger, retry: RETRY, maxParallel: 3 });
    let up = true;
    try {
      await store.transaction(Array.from({ length: 1200 }, (_, i) => ({ op: 'put' as const, key: `k/${i}`, value: Buffer.from('x') })));
      await Promise.all([store.get('k/1'), store.get('k/2'), store.get('k/3')]); // three pooled connections
      const it = store.scan!()[Symbol.asyncIterator]();
      assert.equal((await it.next()).value?.length, 500);
      // The scan's connection is checked out and idle between batches when the server goes.
      await env!.db.stopServer();
      up = false;
      await assert.rejects(it.next());
      await env!.db.startServer();
      up = true;
      assert.equal((await store.get('k/7'))?.toString(), 'x');
      await store.put('k/after', Buffer.from('y'));
      assert.equal((await store.list('k/')).length, 1201);
    } finally {
      if (!up) await env!.db.startServer();
      await store.close();
    }
  });

  test('warns when max_parallel is more connections than the server accepts (Vault\'s 128 against PostgreSQL\'s default 100)', async () => {
    const { url } = await env!.freshUrl();
    const { logger, lines } = capture();
    const store = await openPostgresStore({ connectionUrl: url, logger, maxParallel: 128 });
    await store.close();
    assert.ok(lines.some((l) => /^warn max_parallel 128 is more than the 97 connections PostgreSQL at 127\.0\.0\.1:\d+ .* accepts/.test(l)), lines.join('\n'));
    const quiet = capture();
    const small = await openPostgresStore({ connectionUrl: url, logger: quiet.logger, maxParallel: 8 });
    await small.close();
    assert.deepEqual(quiet.lines.filter((l) => l.startsWith('warn')), []);
  });

  test('a connection_url that does not parse fails at once, redacted', async () => {
    await assert.rejects(openPostgresStore({ connectionUrl: 'postgres://app:hunter2@[bad/vault', retry: RETRY }), (e: Error) => {
      assert.match(e.message, /invalid connection_url/);
      assert.ok(!e.message.includes('hunter2'), e.message);
      return true;
    });
  });
});
