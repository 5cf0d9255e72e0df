/**
 * A standby's clients while the active is frozen (SIGSTOP: a hung or partitioned process
 * whose connections stay open): once another node holds the lock, requests through the
 * remaining standby reach the new active and never wait on the frozen one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ETCD } from '../../helpers/etcd.js';
import { skipUnless } from '../../helpers/requirement.js';
import { api } from '../../helpers/server.js';
import { withDeadline } from '../../helpers/wait.js';
import { startWardCluster, type WardCluster } from '../../helpers/ward-cluster.js';
import { mountKv } from '../../helpers/failover-rounds.js';

describe('3 nodes on etcd, the active frozen', { skip: skipUnless(ETCD) }, () => {
  let c: WardCluster | undefined;
  before(async () => {
    c = await startWardCluster({ engine: 'etcd', nodes: 3 });
    await mountKv(c);
  });
  after(() => c?.close());

  it('the other standby serves its clients through the new active, without hanging on the frozen one', { timeout: 120_000 }, async () => {
    const root = { token: c!.rootToken };
    const frozen = await c!.active();
    const standby = c!.nodes.find((n) => n !== frozen)!;
    // The standby has a kept-alive cluster connection to the active before it freezes.
    assert.equal((await api(standby, 'PUT', 'secret/data/k', { ...root, body: { data: { v: 'before' } } })).status, 200);
    frozen.pause();
    try {
      const fresh = await c!.active({ not: frozen });
      const other = c!.nodes.find((n) => n !== frozen && n !== fresh)!;
      // Vault's client follows a redirect: do the same, as long as it lands on the new active.
      const put = await withDeadline('a write through the other standby', fetch(`${other.url}/v1/secret/data/k`, { method: 'PUT', headers: { 'X-Vault-Token': c!.rootToken }, body: JSON.stringify({ data: { v: 'after' } }) }), 15_000);
      assert.equal(put.status, 200, await put.text());
      assert.equal((await api(fresh, 'GET', 'secret/data/k', root)).body.data.data.v, 'after');
    } finally {
      frozen.resume();
    }
  });
});
