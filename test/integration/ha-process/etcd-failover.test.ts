/**
 * Issue 15's failover proof on etcd with real processes: 3 Ward nodes on a 3-member etcd
 * cluster under a steady KV v2 write load; kill -9 the active, three times: a standby serves
 * writes again, and every write acknowledged before or after a kill reads back with its
 * acknowledged value. Then every node is restarted: the static seal unseals them all with no
 * human step, and the data is intact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ETCD } from '../../helpers/etcd.js';
import { KvLoad } from '../../helpers/kv-load.js';
import { skipUnless } from '../../helpers/requirement.js';
import { startWardCluster, type WardCluster } from '../../helpers/ward-cluster.js';
import { failoverLosesNothing, mountKv } from '../../helpers/failover-rounds.js';

describe('3 Ward nodes on 3 etcd members', { skip: skipUnless(ETCD) }, () => {
  let c: WardCluster | undefined;
  let load: KvLoad | undefined;
  before(async () => {
    c = await startWardCluster({ engine: 'etcd', nodes: 3 });
    await mountKv(c);
  });
  after(async () => {
    await load?.stop();
    await c?.close();
  });

  it('kill -9 of the active under write load, 3 rounds: a standby takes over and no acknowledged write is lost', { timeout: 180_000 }, async (t) => {
    load = await failoverLosesNothing(c!, 3, (m) => t.diagnostic(m));
  });

  it('restart every node: all come back unsealed on their own, with the data', { timeout: 120_000 }, async () => {
    await Promise.all(c!.nodes.map((n) => n.kill()));
    for (const n of c!.nodes) n.start();
    await c!.allUnsealed();
    const a = await c!.active();
    assert.deepEqual(await load!.lost(a), []);
  });
});
