/**
 * Snapshot restore in an HA cluster. The restoring (active) node must keep the HA lock
 * until the snapshot is applied: released earlier, a standby takes over on a half-restored
 * store and the restore's writes are refused by the engine's fencing. Afterwards every node
 * serves the snapshot's data; a node whose root key cannot open a forced restore's keyring
 * seals itself instead of trying for the lock forever.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { api } from '../../helpers/server.js';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';

async function snapshot(n: HaNode, token: string): Promise<Buffer> {
  const res = await fetch(`${n.url}/v1/sys/storage/snapshot`, { headers: { 'X-Vault-Token': token } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

async function restore(n: HaNode, token: string, snap: Buffer, force = false): Promise<number> {
  const path = force ? 'sys/storage/snapshot-force' : 'sys/storage/snapshot';
  const res = await fetch(`${n.url}/v1/${path}`, { method: 'POST', headers: { 'X-Vault-Token': token }, body: snap });
  await res.arrayBuffer();
  return res.status;
}

async function kvPut(n: HaNode, token: string, key: string, value: string): Promise<void> {
  const r = await api(n, 'POST', `secret/data/${key}`, { token, body: { data: { value } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

describe('HA: snapshot restore on the active node', () => {
  const clusters: HaCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.close();
  });

  test('the snapshot is applied before another node can take over; the new active serves exactly the snapshot', { timeout: 120_000 }, async () => {
    const c = await startHaCluster({ nodes: 3 });
    clusters.push(c);
    const a = await c.active();
    assert.equal((await api(a, 'POST', 'sys/mounts/secret', { token: c.rootToken, body: { type: 'kv-v2' } })).status, 204);
    // Enough entries that the restore takes a while: a standby polling for the lock would
    // find it free part-way through if the restoring node let it go.
    for (let i = 0; i < 300; i++) await kvPut(a, c.rootToken, `k${i}`, `old-${i}`);
    const snap = await snapshot(a, c.rootToken);
    for (let i = 0; i < 300; i++) await kvPut(a, c.rootToken, `k${i}`, `new-${i}`);
    await kvPut(a, c.rootToken, 'after-snapshot', 'x');

    assert.equal(await restore(a, c.rootToken, snap), 204);
    await waitFor('the restoring node to seal', async () => ((await api(a, 'GET', 'sys/seal-status')).body.sealed === true ? true : undefined));
    await a.core.unseal(c.unsealKey, false);

    const now = await c.active();
    for (const n of c.nodes) {
      for (const i of [0, 150, 299]) {
        const r = await api(n, 'GET', `secret/data/k${i}`, { token: c.rootToken });
        assert.equal(r.status, 200, `${n === now ? 'active' : 'standby'}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.data.data.value, `old-${i}`);
        assert.equal(r.body.data.metadata.version, 1);
      }
      assert.equal((await api(n, 'GET', 'secret/data/after-snapshot', { token: c.rootToken })).status, 404);
    }
  });

  test("a forced restore of another cluster's snapshot: standbys that cannot open its keyring seal themselves, and unseal with its keys", { timeout: 120_000 }, async () => {
    const other = await startHaCluster({ nodes: 1 });
    clusters.push(other);
    const o = await other.active();
    assert.equal((await api(o, 'POST', 'sys/mounts/secret', { token: other.rootToken, body: { type: 'kv-v2' } })).status, 204);
    await kvPut(o, other.rootToken, 'from-other', 'theirs');
    const snap = await snapshot(o, other.rootToken);

    const c = await startHaCluster({ nodes: 3 });
    clusters.push(c);
    const a = await c.active();
    assert.equal(await restore(a, c.rootToken, snap), 400);
    assert.equal(await restore(a, c.rootToken, snap, true), 204);
    for (const n of c.nodes) {
      await waitFor('every node to seal', async () => ((await api(n, 'GET', 'sys/seal-status')).body.sealed === true ? true : undefined));
    }
    for (const n of c.nodes) await n.core.unseal(other.unsealKey, false);
    const now = await c.active();
    for (const n of c.nodes) {
      const r = await api(n, 'GET', 'secret/data/from-other', { token: other.rootToken });
      assert.equal(r.status, 200, `${n === now ? 'active' : 'standby'}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.data.data.value, 'theirs');
    }
  });
});
