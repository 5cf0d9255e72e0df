import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { ETCD, startEtcd, type EtcdMember, type TestEtcd } from '../../../test/helpers/etcd.js';
import { skipUnless } from '../../../test/helpers/requirement.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { openTestStore } from './test-store.js';

/** The member that is raft leader now (each member's status names the leader's id). */
async function leader(etcd: TestEtcd): Promise<EtcdMember> {
  for (const m of etcd.members) {
    const c = new Etcd3({ hosts: [m.clientUrl] });
    try {
      const s = await c.maintenance.status({});
      if (s.leader === s.header.member_id) return m;
    } finally {
      c.close();
    }
  }
  throw new Error('no leader found');
}

describe('etcd storage losing one member of three', { skip: skipUnless(ETCD) }, () => {
  test('killing the leader under a write load: every write succeeds and every acknowledged write reads back', async (t) => {
    const etcd = await startEtcd(3);
    let retries = 0;
    // request_timeout bounds the retrying. Vault's 5 s covers an election on an idle machine; this
    // suite shares two cores with everything else, where an election can take several seconds.
    const store = await openTestStore(etcd.address, { requestTimeoutMs: 15_000 }, { error: () => undefined, warn: () => undefined, debug: () => retries++ });
    try {
      const acked = new Map<string, string>();
      const failures: string[] = [];
      let stop = false;
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const value = `w${w}-${i}`;
          try {
            await store.transaction([
              { op: 'put', key: `load/${w}/${i}`, value: Buffer.from(value) },
              { op: 'put', key: `last/${w}`, value: Buffer.from(value) },
            ]);
            acked.set(`load/${w}/${i}`, value);
            acked.set(`last/${w}`, value);
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
      };
      const writers = Array.from({ length: 8 }, (_, w) => writer(w));
      await waitFor('writes before the kill', () => acked.size >= 400, { timeoutMs: 30_000 });
      const victim = await leader(etcd);
      await victim.kill();
      const atKill = acked.size;
      await waitFor('writes after the kill', () => acked.size >= atKill + 400, { timeoutMs: 30_000, context: () => failures.join('\n') });
      stop = true;
      await Promise.all(writers);
      assert.deepEqual(failures, [], 'a write failed although two of three members were up');
      for (const [key, value] of acked) assert.equal((await store.get(key))?.toString(), value, key);
      // The killed member catches up when it comes back.
      await victim.restart();
      const direct = new Etcd3({ hosts: [victim.clientUrl] });
      try {
        await waitFor('the restarted member to hold every write', async () => {
          const n = await direct.getAll().prefix(`${(store as unknown as { keys: { prefix: Buffer } }).keys.prefix.toString()}load/`).count();
          return n === [...acked.keys()].filter((k) => k.startsWith('load/')).length;
        }, { timeoutMs: 30_000 });
      } finally {
        direct.close();
      }
      t.diagnostic(`calls retried on another member: ${retries}`);
    } finally {
      await store.close();
      await etcd.stop();
    }
  });

  test('with sync (Vault\'s default), a store given one member\'s address learns the others and outlives that member', async () => {
    const etcd = await startEtcd(3);
    const first = etcd.members[0]!;
    const store = await openTestStore(first.clientUrl, { sync: true });
    try {
      await store.put('k', Buffer.from('before'));
      await first.kill();
      await store.put('k', Buffer.from('after'));
      assert.equal((await store.get('k'))?.toString(), 'after');
    } finally {
      await store.close();
      await etcd.stop();
    }
  });
});
