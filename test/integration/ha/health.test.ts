/** sys/health on a standby that cannot reach the active node (Vault 1.19's haunhealthycode). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api } from '../../helpers/server.js';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';

test('a standby that cannot reach the active answers health 474 (haunhealthycode) and redirects requests it cannot forward', async () => {
  const c = await startHaCluster({ nodes: 2, echoIntervalMs: 100 });
  try {
    const a = await c.active();
    const s = c.nodes.find((n) => n !== a)!;
    const healthy = await waitFor('a heartbeat to land', async () => {
      const h = await api(s, 'GET', 'sys/health');
      return h.body.ha_connection_healthy === true ? h : undefined;
    });
    assert.equal(healthy.status, 429);
    assert.equal(typeof healthy.body.last_request_forwarding_heartbeat_ms, 'number');
    assert.equal((await api(a, 'GET', 'sys/health')).body.ha_connection_healthy, undefined, 'the active node has no connection to judge');
    // The active's cluster port goes away (its host is partitioned, say) while it keeps the lock.
    await a.cluster!.close();
    const sick = await waitFor('the standby to notice', async () => {
      const h = await api(s, 'GET', 'sys/health');
      return h.status === 474 ? h : undefined;
    });
    assert.equal(sick.body.ha_connection_healthy, false);
    assert.equal((await api(s, 'GET', 'sys/health?haunhealthycode=299')).status, 299);
    assert.equal((await api(s, 'GET', 'sys/health?standbyok=true')).status, 474, 'standbyok does not hide an unhealthy standby');
    // Forwarding fails the same way, so the standby falls back to a redirect.
    const r = await fetch(`${s.url}/v1/sys/mounts?x=1`, { headers: { 'X-Vault-Token': c.rootToken }, redirect: 'manual' });
    assert.equal(r.status, 307);
    assert.equal(r.headers.get('location'), `${a.url}/v1/sys/mounts?x=1`);
  } finally {
    await c.close();
  }
});
