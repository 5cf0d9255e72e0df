/**
 * Losing one etcd member of three under a Ward write load (the raft leader, the worst case:
 * an election follows): clients see no error beyond requests retried once, as Vault's Go
 * client retries 5xx and connection errors; every acknowledged write stays readable, also
 * after the member comes back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ETCD, type EtcdMember } from '../../helpers/etcd.js';
import { KvLoad } from '../../helpers/kv-load.js';
import { skipUnless } from '../../helpers/requirement.js';
import { waitFor } from '../../helpers/wait.js';
import { startWardCluster, type WardCluster } from '../../helpers/ward-cluster.js';
import { mountKv } from '../../helpers/failover-rounds.js';

async function isLeader(m: EtcdMember): Promise<boolean> {
  try {
    const text = await (await fetch(`${m.metricsUrl}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    return /^etcd_server_is_leader 1$/m.test(text);
  } catch {
    return false;
  }
}

describe('2 Ward nodes, one etcd member of three lost under load', { skip: skipUnless(ETCD) }, () => {
  let c: WardCluster | undefined;
  let load: KvLoad | undefined;
  before(async () => {
    c = await startWardCluster({ engine: 'etcd', nodes: 2 });
    await mountKv(c);
  });
  after(async () => {
    await load?.stop();
    await c?.close();
  });

  it('kill -9 of the etcd leader: no client error beyond a retry, nothing acknowledged lost', { timeout: 120_000 }, async (t) => {
    const members = c!.etcd!.members;
    const leader = await waitFor('the etcd leader', async () => {
      for (const m of members) if (await isLeader(m)) return m;
      return undefined;
    });
    load = new KvLoad(c!, { retryOnce: true });
    load.start();
    await waitFor('writes before the loss', () => load!.acks.length >= 50, { timeoutMs: 30_000 });
    const before = load.acks.length;
    await leader.kill();
    await waitFor('writes with a member down', () => load!.acks.length >= before + 150, { timeoutMs: 60_000, context: () => load!.failures.join('\n') });
    await leader.restart();
    const back = load.acks.length;
    await waitFor('writes after the member is back', () => load!.acks.length >= back + 50, { timeoutMs: 60_000, context: () => load!.failures.join('\n') });
    await load.stop();
    t.diagnostic(`${load.acks.length} acknowledged writes, ${load.retried} retried once, ${load.failures.length} failed after the retry`);
    assert.deepEqual(load.failures, []);
    assert.deepEqual(await load.lost(await c!.active()), []);
  });
});
