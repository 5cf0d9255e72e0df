/**
 * A value larger than the storage engine accepts: etcd refuses requests over its
 * --max-request-bytes (1.5 MiB by default). A client writing one gets Vault's 413 with a
 * message naming the limit, not a 500; nothing is written, and the key keeps its old value.
 * PostgreSQL's limit (1 GB per bytea value) is far above what max_request_size (32 MiB by
 * default) lets through, so there a value as large as a request can be is simply stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ETCD, startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { startPgStorageEnv, type PgStorageEnv } from '../../helpers/pg-storage.js';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';
import { openPostgresStore } from '../../../src/storage/postgresql/open.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { openTestStore } from '../../../src/storage/etcd/test-store.js';

const MiB = 1024 * 1024;

describe('a value too large for the storage engine', { skip: skipUnless(ETCD) }, () => {
  let etcd: TestEtcd | undefined;
  let server: TestServer | undefined;
  before(async () => {
    etcd = await startEtcd(3);
    server = await startTestServer({ physical: await openTestStore(etcd.address) });
  });
  after(async () => {
    await server?.close();
    await etcd?.stop();
  });

  it('KV put of 2 MiB on etcd: 413 naming the limit, nothing written, the old value still read', { timeout: 120_000 }, async () => {
    const s = server!;
    const token = s.rootToken;
    const first = await api(s, 'POST', 'secret/data/big', { token, body: { data: { v: 'small' } } });
    assert.equal(first.status, 200, JSON.stringify(first.body));

    // Four 512 KiB strings: each under the JSON string length limit (1 MiB), 2 MiB in all.
    const big = Object.fromEntries(['a', 'b', 'c', 'd'].map((k) => [k, k.repeat(MiB / 2)]));
    const put = await api(s, 'POST', 'secret/data/big', { token, body: { data: big } });
    assert.equal(put.status, 413, JSON.stringify(put.body).slice(0, 500));
    assert.equal(put.body.errors.length, 1);
    const msg: string = put.body.errors[0];
    assert.match(msg, /too large/);
    assert.match(msg, /etcd/);
    assert.match(msg, /1572864 bytes/, 'the message names the limit');
    assert.doesNotMatch(msg, /logical\//, 'no internal storage path in the client message');

    const read = await api(s, 'GET', 'secret/data/big', { token });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.data.data.v, 'small');
    assert.equal(read.body.data.metadata.version, 1);
    const meta = await api(s, 'GET', 'secret/metadata/big', { token });
    assert.equal(meta.body.data.current_version, 1, 'no version was recorded for the refused write');

    // The node is fine afterwards: a normal write goes through.
    const next = await api(s, 'POST', 'secret/data/big', { token, body: { data: { v: 'after' } } });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal((await api(s, 'GET', 'secret/data/big', { token })).body.data.data.v, 'after');
  });

  it('with max_versions 1 a refused write purges nothing: the old version reads back and the metadata is unchanged', { timeout: 120_000 }, async () => {
    const s = server!;
    const token = s.rootToken;
    assert.equal((await api(s, 'POST', 'secret/metadata/one', { token, body: { max_versions: 1 } })).status, 204);
    assert.equal((await api(s, 'POST', 'secret/data/one', { token, body: { data: { v: 'kept' } } })).status, 200);
    const before = await api(s, 'GET', 'secret/metadata/one', { token });
    const big = Object.fromEntries(['a', 'b', 'c', 'd'].map((k) => [k, k.repeat(MiB / 2)]));
    for (const [method, headers] of [['POST', {}], ['PATCH', { 'content-type': 'application/merge-patch+json' }]] as const) {
      const put = await api(s, method, 'secret/data/one', { token, body: { data: big }, headers });
      assert.equal(put.status, 413, `${method}: ${JSON.stringify(put.body).slice(0, 300)}`);
      const read = await api(s, 'GET', 'secret/data/one', { token });
      assert.equal(read.status, 200, `${method}: ${JSON.stringify(read.body)}`);
      assert.deepEqual(read.body.data.data, { v: 'kept' });
      assert.deepEqual((await api(s, 'GET', 'secret/metadata/one', { token })).body.data, before.body.data, `${method}: metadata unchanged`);
    }
  });
});

describe('a large value on PostgreSQL', { skip: skipUnless(POSTGRES) }, () => {
  let env: PgStorageEnv | undefined;
  let server: TestServer | undefined;
  let schema = '';
  before(async () => {
    env = await startPgStorageEnv();
    const { url, schema: s } = await env.freshUrl();
    schema = s;
    const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined };
    server = await startTestServer({ physical: await openPostgresStore({ connectionUrl: url, maxParallel: 4, logger: quiet }) });
  });
  after(async () => {
    await server?.close();
    await env?.stop();
  });

  it('KV put of 24 MiB (near the default max_request_size of 32 MiB) is stored and read back', { timeout: 120_000 }, async () => {
    const s = server!;
    const token = s.rootToken;
    const big = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`f${i}`, String.fromCharCode(97 + (i % 26)).repeat(MiB / 2)]));
    const put = await api(s, 'POST', 'secret/data/huge', { token, body: { data: big } });
    assert.equal(put.status, 200, JSON.stringify(put.body).slice(0, 500));
    const read = await api(s, 'GET', 'secret/data/huge', { token });
    assert.equal(read.status, 200);
    assert.equal(Object.keys(read.body.data.data).length, 48);
    assert.equal(read.body.data.data.f47, big.f47);
    // Not just in the barrier's cache: the row is in the table, whole.
    const row = await env!.admin.query(`SELECT max(octet_length(value))::int AS n FROM ${schema}.vault_kv_store`);
    assert.ok(row.rows[0].n > 24 * MiB, `largest stored value: ${row.rows[0].n} bytes`);
  });
});
