/**
 * Issue 15's failover proof on PostgreSQL with real processes: 2 Ward nodes on one
 * PostgreSQL under a steady KV v2 write load; kill -9 the active, three times (the killed
 * node restarted between rounds and unsealing itself): the other serves writes again and
 * every acknowledged write reads back with its value. And a standby asked something while
 * no active node is known answers 503 with Vault's message at once, never hanging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KvLoad } from '../../helpers/kv-load.js';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';
import { api } from '../../helpers/server.js';
import { waitFor, withDeadline } from '../../helpers/wait.js';
import { startWardCluster, type WardCluster } from '../../helpers/ward-cluster.js';
import { failoverLosesNothing, mountKv } from '../../helpers/failover-rounds.js';

describe('2 Ward nodes on PostgreSQL', { skip: skipUnless(POSTGRES) }, () => {
  let c: WardCluster | undefined;
  let load: KvLoad | undefined;
  before(async () => {
    c = await startWardCluster({ engine: 'postgresql', nodes: 2 });
    await mountKv(c);
  });
  after(async () => {
    await load?.stop();
    await c?.close();
  });

  it('kill -9 of the active under write load, 3 rounds: the standby takes over and no acknowledged write is lost', { timeout: 180_000 }, async (t) => {
    load = await failoverLosesNothing(c!, 3, (m) => t.diagnostic(m));
  });

  it('a standby with no active node known answers 503 "no active Vault instance found", then serves once one takes over', { timeout: 60_000 }, async () => {
    // A write the load had acknowledged (its first one may have gone to a standby and failed).
    const ack = load!.acks[0]!;
    const old = await c!.active();
    const standby = c!.nodes.find((n) => n !== old)!;
    const locks = `${c!.pgSchema}.vault_ha_locks`;
    await old.kill();
    // The lock now names a holder that advertises nothing (as while a new active is still
    // starting up): the standby knows of no active node it could forward or redirect to.
    await c!.pg!.admin.query(`BEGIN; DELETE FROM ${locks} WHERE ha_key = 'core/lock'; INSERT INTO ${locks} (ha_key, ha_identity, ha_value, valid_until) VALUES ('core/lock', 'ghost', 'ghost', now() + interval '1 hour'); COMMIT`);
    const r = await withDeadline('a request to the standby', api(standby, 'GET', `secret/data/${ack.key}`, { token: c!.rootToken }), 10_000);
    assert.equal(r.status, 503);
    assert.deepEqual(r.body, { errors: ['no active Vault instance found'] });
    const leader = await api(standby, 'GET', 'sys/leader');
    assert.equal(leader.body.is_self, false);
    assert.equal(leader.body.leader_address, '');

    await c!.pg!.admin.query(`DELETE FROM ${locks} WHERE ha_key = 'core/lock'`);
    assert.equal(await c!.active(), standby);
    let last = '';
    // Taking over loads mounts, policies, tokens and leases: seconds on a loaded machine.
    const read = await waitFor('the new active to serve the read', async () => {
      const x = await api(standby, 'GET', `secret/data/${ack.key}`, { token: c!.rootToken });
      last = `${x.status} ${JSON.stringify(x.body)}`;
      return x.status === 200 ? x : undefined;
    }, { timeoutMs: 30_000, context: () => `last answer: ${last}` });
    assert.equal(read.body.data.data.v, ack.value);
  });
});
