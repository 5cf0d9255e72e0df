/**
 * A value larger than the storage engine accepts: etcd refuses requests over its
 * --max-request-bytes (1.5 MiB by default). A client writing one gets Vault's 413 with a
 * message naming the limit, not a 500; nothing is written, and the key keeps its old value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ETCD, startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { skipUnless } from '../../helpers/requirement.js';
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
});
