/**
 * `ha_storage` in another engine than `storage`, as Vault allows: the data in PostgreSQL
 * (ha_enabled off), the HA lock in a 3-member etcd cluster. Two real nodes elect through
 * etcd, keep every entry in PostgreSQL, and fail over under write load without losing an
 * acknowledged write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { ETCD } from '../../helpers/etcd.js';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';
import { startWardCluster, type WardCluster } from '../../helpers/ward-cluster.js';
import { failoverLosesNothing, mountKv } from '../../helpers/failover-rounds.js';

describe('data in PostgreSQL, HA lock in etcd (ha_storage)', { skip: skipUnless(POSTGRES) || skipUnless(ETCD) }, () => {
  let c: WardCluster | undefined;
  before(async () => {
    c = await startWardCluster({ engine: 'postgresql', lockIn: 'etcd', nodes: 2 });
    await mountKv(c);
  });
  after(() => c?.close());

  it('the lock lives in etcd and nothing else does; the data lives in PostgreSQL', { timeout: 60_000 }, async () => {
    const etcd = new Etcd3({ hosts: c!.etcd!.address.split(',') });
    try {
      const keys = await etcd.getAll().prefix('/ward-ha/').keys();
      assert.deepEqual(keys, ['/ward-ha/core/lock']);
    } finally {
      etcd.close();
    }
    const rows = await c!.pg!.admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${c!.pgSchema}.vault_kv_store WHERE path LIKE '/core/%'`);
    assert.ok(Number(rows.rows[0]!.n) > 0, 'core entries (mounts, keyring) are in PostgreSQL');
    const locks = await c!.pg!.admin.query<{ n: string }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'vault_ha_locks'`, [c!.pgSchema]);
    assert.equal(Number(locks.rows[0]!.n), 0, 'no lock table in PostgreSQL: ha_enabled is off there');
    // The operator is told that the data store cannot fence a paused old active.
    assert.match(c!.nodes[0]!.log(), /does not fence writes/);
  });

  it('kill -9 of the active under write load, 2 rounds: the standby takes over through etcd and no acknowledged write is lost', { timeout: 180_000 }, async (t) => {
    await failoverLosesNothing(c!, 2, (m) => t.diagnostic(m));
  });
});
