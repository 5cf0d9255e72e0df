/**
 * Active/standby in one process: three nodes on one in-memory HA engine, each with real
 * API and cluster listeners. One is active; standbys forward (or redirect) to it; step-down
 * and lock loss move the active role, and the new active serves everything the old one had.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api } from '../../helpers/server.js';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';
import { coreProbe } from '../../../src/server/service-registration/node-state.js';

async function othersThan(c: HaCluster, n: HaNode): Promise<HaNode[]> {
  return c.nodes.filter((x) => x !== n);
}

/** Waits until a node other than `old` is active, and returns it. */
async function newActive(c: HaCluster, old: HaNode): Promise<HaNode> {
  return waitFor('another node to become active', async () => {
    for (const n of c.nodes) if (n !== old && (await n.core.leader()).is_self) return n;
    return undefined;
  });
}

describe('HA: one active node, standbys that forward', () => {
  let c: HaCluster;
  before(async () => {
    c = await startHaCluster({ nodes: 3 });
    const a = await c.active();
    const r = await api(a, 'POST', 'sys/mounts/secret', { token: c.rootToken, body: { type: 'kv', options: { version: '2' } } });
    assert.equal(r.status, 204);
  });
  after(() => c.close());

  test('exactly one node is active; standbys answer health 429 (200 with standbyok) and name the leader', async () => {
    const a = await c.active();
    assert.equal((await api(a, 'GET', 'sys/health')).status, 200);
    const leaderOnActive = (await api(a, 'GET', 'sys/leader')).body;
    assert.equal(leaderOnActive.ha_enabled, true);
    assert.equal(leaderOnActive.is_self, true);
    assert.equal(leaderOnActive.leader_address, a.url);
    assert.equal(leaderOnActive.leader_cluster_address, a.clusterUrl);
    assert.notEqual(leaderOnActive.active_time, '0001-01-01T00:00:00Z');
    for (const s of await othersThan(c, a)) {
      // 429 once the standby's heartbeats reach the active. A standby whose first heartbeat
      // has not landed within three echo periods (a TLS handshake on a loaded machine; CI
      // saw it) rightly says 474, HA connection unhealthy: that case is health.test.ts's.
      const h = await waitFor('a standby with a healthy link to the active', async () => {
        const r = await api(s, 'GET', 'sys/health');
        return r.body.ha_connection_healthy === true ? r : undefined;
      });
      assert.equal(h.status, 429);
      assert.equal(h.body.standby, true);
      assert.equal((await api(s, 'GET', 'sys/health?standbyok=true')).status, 200);
      const l = (await api(s, 'GET', 'sys/leader')).body;
      assert.deepEqual([l.ha_enabled, l.is_self, l.leader_address, l.leader_cluster_address, l.active_time], [true, false, a.url, a.clusterUrl, '0001-01-01T00:00:00Z']);
    }
  });

  test('service registration labels only the active node vault-active', async () => {
    const a = await c.active();
    assert.deepEqual(await coreProbe(a.core)(), { initialized: true, sealed: false, active: true, performanceStandby: false });
    for (const s of await othersThan(c, a)) assert.deepEqual(await coreProbe(s.core)(), { initialized: true, sealed: false, active: false, performanceStandby: false });
  });

  test('a write through a standby is forwarded and readable on the active; the client sees the active\'s answer', async () => {
    const a = await c.active();
    const [s] = await othersThan(c, a);
    const w = await api(s!, 'POST', 'secret/data/app', { token: c.rootToken, body: { data: { password: 'p1' } } });
    assert.equal(w.status, 200);
    assert.equal(w.body.data.version, 1);
    const r = await api(a, 'GET', 'secret/data/app', { token: c.rootToken });
    assert.equal(r.body.data.data.password, 'p1');
    // Errors come back unchanged too.
    const denied = await api(s!, 'GET', 'secret/data/app', { token: 'not-a-token' });
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body, (await api(a, 'GET', 'secret/data/app', { token: 'not-a-token' })).body);
    // LIST travels as well.
    const list = await fetch(`${s!.url}/v1/secret/metadata/`, { method: 'LIST', headers: { 'X-Vault-Token': c.rootToken } });
    assert.deepEqual(((await list.json()) as { data: { keys: string[] } }).data.keys, ['app']);
  });

  test('with X-Vault-No-Request-Forwarding a standby answers 307 to the active api_addr, path and query kept', async () => {
    const a = await c.active();
    const [s] = await othersThan(c, a);
    const r = await fetch(`${s!.url}/v1/secret/data/app?version=1`, { headers: { 'X-Vault-Token': c.rootToken, 'X-Vault-No-Request-Forwarding': 'true' }, redirect: 'manual' });
    assert.equal(r.status, 307);
    assert.equal(r.headers.get('location'), `${a.url}/v1/secret/data/app?version=1`);
  });

  test('sys/ha-status on any node lists the active node and the standbys that echoed', async () => {
    const a = await c.active();
    const [s] = await othersThan(c, a);
    const nodes = await waitFor('all standbys to have echoed', async () => {
      const r = await api(s!, 'GET', 'sys/ha-status', { token: c.rootToken });
      return r.body.data.nodes.length === 3 ? r.body.data.nodes : undefined;
    });
    const byAddr = new Map<string, { active_node: boolean; last_echo: string | null; cluster_address: string; hostname: string }>(nodes.map((n: { api_address: string }) => [n.api_address, n]));
    assert.equal(byAddr.get(a.url)?.active_node, true);
    assert.equal(byAddr.get(a.url)?.last_echo, null);
    for (const o of await othersThan(c, a)) {
      assert.equal(byAddr.get(o.url)?.active_node, false);
      assert.ok(!Number.isNaN(Date.parse(byAddr.get(o.url)?.last_echo ?? '')));
      assert.equal(byAddr.get(o.url)?.cluster_address, o.clusterUrl);
    }
  });

  test('sys/step-down (sudo) moves the active role; the old address keeps working through forwarding', async () => {
    const a = await c.active();
    const noSudo = await api(a, 'POST', 'auth/token/create', { token: c.rootToken, body: { policies: ['default'] } });
    assert.equal((await api(a, 'PUT', 'sys/step-down', { token: noSudo.body.auth.client_token })).status, 403);
    assert.equal((await api(a, 'PUT', 'sys/step-down', { token: c.rootToken })).status, 204);
    const b = await newActive(c, a);
    // A healthy standby once its heartbeats reach the new active (until then, on a loaded
    // machine, it may rightly say 474: it cannot reach an active yet).
    await waitFor('the stepped-down node to be a healthy standby', async () => (await api(a, 'GET', 'sys/health')).status === 429);
    assert.equal((await api(a, 'GET', 'sys/leader')).body.leader_address, b.url);
    const w = await waitFor('a write through the stepped-down node', async () => {
      const r = await api(a, 'POST', 'secret/data/app', { token: c.rootToken, body: { data: { password: 'p2' } } });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(w.body.data.version, 2);
    assert.equal((await api(b, 'GET', 'secret/data/app', { token: c.rootToken })).body.data.data.password, 'p2');
  });
});
