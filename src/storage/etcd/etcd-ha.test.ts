import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { exerciseHa } from '../ha-conformance.js';
import { LockLostError } from '../physical.js';
import { ETCD, startEtcd, type TestEtcd } from '../../../test/helpers/etcd.js';
import { skipUnless } from '../../../test/helpers/requirement.js';
import { waitFor, withDeadline } from '../../../test/helpers/wait.js';
import { freshPath, openTestStore } from './test-store.js';

describe('etcd HA lock on a 3-member cluster', { skip: skipUnless(ETCD) }, () => {
  let etcd: TestEtcd;
  before(async () => {
    etcd = await startEtcd(3);
  });
  after(() => etcd?.stop());

  /** Two nodes on one prefix, and an operator's client beside them. */
  async function pair(path = freshPath()) {
    const a = await openTestStore(etcd.address, { path, haEnabled: true });
    const b = await openTestStore(etcd.address, { path, haEnabled: true });
    const raw = new Etcd3({ hosts: etcd.address.split(',') });
    return { a, b, raw, path };
  }

  exerciseHa('etcd', async () => {
    const { a, b, raw, path } = await pair();
    return {
      a,
      b,
      // What an expired TTL does: revoke the holder's lease, which deletes the key.
      async forceExpire(key: string) {
        const res = await raw.kv.range({ key: Buffer.from(`${path}${key}`) });
        const lease = res.kvs[0]?.lease;
        assert.ok(lease && lease !== '0', 'the lock key is bound to a lease');
        await raw.leaseClient.leaseRevoke({ ID: lease });
      },
      async close() {
        await Promise.all([a.close(), b.close()]);
        raw.close();
      },
    };
  });

  test('etcd itself refuses a write from a node that has not noticed it lost the lock (paused, partitioned)', async () => {
    const { a, b, raw, path } = await pair();
    try {
      const held = await a.ha!.lock('core/lock', 'a').acquire(new AbortController().signal);
      await a.put('k', Buffer.from('from-a'));
      const res = await raw.kv.range({ key: Buffer.from(`${path}core/lock`) });
      await raw.leaseClient.leaseRevoke({ ID: res.kvs[0]!.lease });
      await held.lost;
      const taken = await b.ha!.lock('core/lock', 'b').acquire(new AbortController().signal);
      await b.put('k', Buffer.from('from-b'));
      // Model a node that was paused through all of that and wakes believing it is active:
      // only the compare inside etcd's transaction stands between it and the data.
      a.fence!.ended = false;
      await assert.rejects(a.put('k', Buffer.from('stale')), LockLostError);
      await assert.rejects(a.transaction([{ op: 'delete', key: 'k' }]), LockLostError);
      assert.equal((await b.get('k'))?.toString(), 'from-b');
      await taken.release();
    } finally {
      await Promise.all([a.close(), b.close()]);
      raw.close();
    }
  });

  test('closing a store while its acquire waits ends the acquire instead of retrying on a closed client', async () => {
    const { a, b, raw } = await pair();
    try {
      const held = await a.ha!.lock('core/lock', 'a').acquire(new AbortController().signal);
      const waiting = b.ha!.lock('core/lock', 'b').acquire(new AbortController().signal);
      await b.close();
      await assert.rejects(withDeadline('the waiting acquire', waiting, 15_000), /closed/);
      assert.equal(await a.ha!.lock('core/lock', 'x').value(), 'a');
      await held.release();
    } finally {
      await Promise.all([a.close(), b.close()]);
      raw.close();
    }
  });

  test('scan (snapshot, migrate) leaves out the lease-bound lock key: it belongs to a live node, not to the data', async () => {
    const { a, b, raw } = await pair();
    try {
      await a.put('core/keyring', Buffer.from('k'));
      const held = await a.ha!.lock('core/lock', 'a').acquire(new AbortController().signal);
      const keys: string[] = [];
      for await (const batch of a.scan!()) keys.push(...batch.map((e) => e.key));
      assert.deepEqual(keys, ['core/keyring']);
      assert.deepEqual(await a.list('core/'), ['keyring', 'lock']);
      await held.release();
    } finally {
      await Promise.all([a.close(), b.close()]);
      raw.close();
    }
  });

  test('the lock key is bound to a lease of lock_timeout seconds', async () => {
    const { a, b, raw, path } = await pair();
    try {
      const held = await a.ha!.lock('core/lock', 'node-a').acquire(new AbortController().signal);
      const kv = (await raw.kv.range({ key: Buffer.from(`${path}core/lock`) })).kvs[0];
      assert.equal(kv?.value.toString(), 'node-a');
      const ttl = await raw.leaseClient.leaseTimeToLive({ ID: kv!.lease });
      assert.equal(ttl.grantedTTL, '2');
      await held.release();
    } finally {
      await Promise.all([a.close(), b.close()]);
      raw.close();
    }
  });

  test('deleting the lock key (an operator, not the lease) ends the holding and fences writes', async () => {
    const { a, b, raw, path } = await pair();
    try {
      const held = await a.ha!.lock('core/lock', 'a').acquire(new AbortController().signal);
      await a.put('k', Buffer.from('1'));
      await raw.delete().key(`${path}core/lock`);
      await held.lost;
      await assert.rejects(a.put('k', Buffer.from('2')), LockLostError);
      assert.equal((await b.get('k'))?.toString(), '1');
    } finally {
      await Promise.all([a.close(), b.close()]);
      raw.close();
    }
  });

  test('a holder whose keepalives stop (etcd unreachable past the TTL) reports the loss and writes nothing after', async () => {
    const path = freshPath();
    const solo = await startEtcd(1);
    const a = await openTestStore(solo.address, { path, haEnabled: true });
    try {
      const held = await a.ha!.lock('core/lock', 'a').acquire(new AbortController().signal);
      solo.members[0]!.pause(); // hangs: connections stay open, nothing answers
      await held.lost;
      solo.members[0]!.resume();
      await assert.rejects(a.put('k', Buffer.from('late')), LockLostError);
      await waitFor('the old lease to expire', async () => (await a.ha!.lock('core/lock', 'x').value()) === null, { timeoutMs: 20_000 });
      assert.equal(await a.get('k'), null);
    } finally {
      solo.members[0]!.resume();
      await a.close();
      await solo.stop();
    }
  });
});
