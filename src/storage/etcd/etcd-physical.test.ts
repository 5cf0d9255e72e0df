import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { exercisePhysical } from '../conformance.js';
import { exerciseChanges } from '../change-conformance.js';
import { ETCD, startEtcd, type TestEtcd } from '../../../test/helpers/etcd.js';
import { skipUnless } from '../../../test/helpers/requirement.js';
import { ValueTooLargeError } from './errors.js';
import { freshPath, openTestStore } from './test-store.js';
import type { PhysicalBackend } from '../physical.js';

describe('etcd storage on a 3-member cluster', { skip: skipUnless(ETCD) }, () => {
  let etcd: TestEtcd;
  before(async () => {
    etcd = await startEtcd(3);
  });
  after(() => etcd?.stop());

  exercisePhysical('etcd', () => openTestStore(etcd.address));

  exerciseChanges('etcd', async () => {
    const path = freshPath();
    const a = await openTestStore(etcd.address, { path });
    const b = await openTestStore(etcd.address, { path });
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
      },
    };
  });

  test('a change subscription from a revision etcd has compacted away is lost, not silently partial', async () => {
    const path = freshPath();
    const a = await openTestStore(etcd.address, { path });
    const client = new Etcd3({ hosts: etcd.address.split(',') });
    try {
      const from = await a.changes.currentIndex();
      await a.put('c/1', Buffer.from('1'));
      await a.put('c/2', Buffer.from('2'));
      await client.kv.compact({ revision: String(a.changes.lastWriteIndex()), physical: true });
      const lost: string[] = [];
      const sub = a.changes.subscribe(from, { event: () => undefined, lost: (r) => lost.push(r) });
      try {
        const deadline = Date.now() + 10_000;
        while (lost.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(lost.length, 1);
        assert.match(lost[0]!, /compact/i);
      } finally {
        await sub.close();
      }
    } finally {
      client.close();
      await a.close();
    }
  });

  const withStore = (fn: (s: PhysicalBackend) => Promise<void>) => async () => {
    const s = await openTestStore(etcd.address);
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };

  test('a value over etcd\'s request limit is refused with its size and the limit, and nothing is written', withStore(async (s) => {
    await s.put('big', Buffer.from('small'));
    const big = Buffer.alloc(2 * 1024 * 1024, 0x61);
    await assert.rejects(s.put('big', big), (e: Error) => {
      assert.ok(e instanceof ValueTooLargeError, `${e.name}: ${e.message}`);
      assert.match(e.message, /"big"/);
      assert.match(e.message, /is 2097152 bytes/);
      assert.match(e.message, /limit of 1572864 bytes/);
      return true;
    });
    assert.equal((await s.get('big'))?.toString(), 'small');
    // A transaction whose values add up past the limit is refused whole.
    const half = Buffer.alloc(1024 * 1024, 0x62);
    await assert.rejects(s.transaction([{ op: 'put', key: 'h1', value: half }, { op: 'put', key: 'h2', value: half }]), ValueTooLargeError);
    assert.equal(await s.get('h1'), null);
    // Just under the limit is written whole.
    const fits = Buffer.alloc(1024 * 1024 + 512 * 1024 - 1024, 0x63);
    await s.put('fits', fits);
    assert.deepEqual(await s.get('fits'), fits);
  }));

  test('a transaction over etcd\'s --max-txn-ops is refused whole with a clear error', withStore(async (s) => {
    const ops = Array.from({ length: 200 }, (_, i) => ({ op: 'put' as const, key: `many/${i}`, value: Buffer.from('v') }));
    await assert.rejects(s.transaction(ops), /more operations than the server's --max-txn-ops allows/);
    assert.deepEqual(await s.list('many/'), []);
  }));

  test('writes issued together share etcd transactions (group commit); one too large fails alone', withStore(async (s) => {
    // Counts the write requests the store sends (its client is private: reached for the test only).
    const kv = (s as unknown as { client: { kv: Record<'txn' | 'put', (...a: unknown[]) => Promise<unknown>> } }).client.kv;
    let requests = 0;
    for (const m of ['txn', 'put'] as const) {
      const orig = kv[m].bind(kv);
      kv[m] = (...a: unknown[]) => {
        requests++;
        return orig(...a);
      };
    }
    await Promise.all(Array.from({ length: 40 }, (_, i) => s.transaction([{ op: 'put', key: `g/${i}/v`, value: Buffer.from(String(i)) }, { op: 'put', key: `g/${i}/m`, value: Buffer.from('m') }])));
    assert.ok(requests < 10, `40 transactions issued together took ${requests} requests`);
    assert.equal((await s.list('g/')).length, 40);
    const big = Buffer.alloc(1024 * 1024, 0x61);
    const results = await Promise.allSettled([s.put('ok/1', big), s.put('ok/2', big), s.put('ok/3', Buffer.from('3'))]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled'], 'two values that fit alone but not together are both written');
    assert.equal((await s.get('ok/2'))?.length, big.length);
  }));

  test('writes to one key issued without waiting land in the order issued, although any member may take each', withStore(async (s) => {
    for (let round = 0; round < 20; round++) {
      const writes = Array.from({ length: 20 }, (_, i) => (i % 5 === 4 ? s.delete(`o/${round}`) : s.put(`o/${round}`, Buffer.from(String(i)))));
      writes.push(s.put(`o/${round}`, Buffer.from('last')));
      await Promise.all(writes);
      assert.equal((await s.get(`o/${round}`))?.toString(), 'last', `round ${round}`);
    }
  }));

  test('keys live flat under the configured path, Vault\'s layout', async () => {
    const s = await openTestStore(etcd.address, { path: 'ward-layout' });
    const raw = new Etcd3({ hosts: etcd.address.split(',') });
    try {
      await s.put('core/seal-config', Buffer.from('x'));
      assert.equal(await raw.get('/ward-layout/core/seal-config').string(), 'x');
    } finally {
      await s.delete('core/seal-config');
      raw.close();
      await s.close();
    }
  });

  test('list skips whole subtrees and pages through many children', withStore(async (s) => {
    const leaves = Array.from({ length: 1203 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    for (let i = 0; i < leaves.length; i += 100) await s.transaction(leaves.slice(i, i + 100).map((k) => ({ op: 'put', key: `p/${k}`, value: Buffer.from('v') })));
    for (let i = 0; i < 700; i += 100) await s.transaction(Array.from({ length: 100 }, (_, j) => ({ op: 'put', key: `p/k0005/sub/${i + j}`, value: Buffer.from('v') })));
    const listed = await s.list('p/');
    assert.equal(listed.length, 1204);
    assert.deepEqual(listed.slice(0, 7), ['k0000', 'k0001', 'k0002', 'k0003', 'k0004', 'k0005', 'k0005/']);
    assert.equal(listed.at(-1), 'k1202');
  }));

  test('scan returns every entry at one point in time, in key order, in batches', withStore(async (s) => {
    const keys = Array.from({ length: 1234 }, (_, i) => `s/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 100) await s.transaction(keys.slice(i, i + 100).map((k) => ({ op: 'put', key: k, value: Buffer.from(`v${k}`) })));
    const seen: string[] = [];
    let batches = 0;
    for await (const batch of s.scan!()) {
      batches++;
      if (batches === 1) await s.put('s/zzz-written-during-scan', Buffer.from('late'));
      for (const { key, value } of batch) {
        assert.equal(value.toString(), `v${key}`);
        seen.push(key);
      }
    }
    assert.deepEqual(seen, keys);
    assert.ok(batches >= 3, `expected several batches, got ${batches}`);
  }));

  test('closing twice is fine; a closed store refuses calls', async () => {
    const s = await openTestStore(etcd.address);
    await s.close();
    await s.close();
    await assert.rejects(s.get('k'), /closed/);
    await assert.rejects(s.put('k', Buffer.from('v')), /closed/);
  });
});
