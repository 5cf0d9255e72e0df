/**
 * Performance standbys in one process: two nodes on the in-memory HA engine with
 * `performance_standby`. The standby answers KV reads, token lookups and capability checks
 * itself (marked `X-Ward-Served-By: perf-standby`), kept coherent by the engine's change
 * stream; a read carrying the write's X-Vault-Index never sees the value before the write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';
import { coreProbe } from '../../../src/server/service-registration/node-state.js';
import { at, call, write } from '../../helpers/vault-index.js';

describe('HA: performance standby', () => {
  let c: HaCluster;
  let active: HaNode;
  let standby: HaNode;

  before(async () => {
    c = await startHaCluster({ nodes: 2, performanceStandby: true });
    active = await c.active();
    standby = c.nodes.find((n) => n !== active)!;
    await write(active, 'POST', 'sys/mounts/secret', c.rootToken, { type: 'kv', options: { version: '2' } });
    await write(active, 'POST', 'sys/mounts/kv1', c.rootToken, { type: 'kv' });
    await waitFor('the standby to serve locally', () => standby.core.isPerformanceStandby());
  });
  after(() => c.close());

  test('sys/health, sys/leader and service registration report the performance standby', async () => {
    // Until the standby's first heartbeat reaches the active, health says 474 (HA connection unhealthy).
    const h = await waitFor('a heartbeat from the standby', async () => {
      const r = await call(standby, 'GET', 'sys/health');
      return r.body.ha_connection_healthy === true ? r : undefined;
    });
    assert.equal(h.status, 473);
    assert.equal(h.body.standby, true);
    assert.equal(h.body.performance_standby, true);
    assert.equal((await call(standby, 'GET', 'sys/health?perfstandbyok=true')).status, 200);
    assert.equal((await call(standby, 'GET', 'sys/leader')).body.performance_standby, true);
    assert.equal((await call(active, 'GET', 'sys/health')).body.performance_standby, false);
    assert.equal((await coreProbe(standby.core)()).performanceStandby, true);
    assert.equal((await coreProbe(active.core)()).performanceStandby, false);
  });

  test('200 write/read pairs: the standby serves each read itself, with the value just written', async () => {
    for (let i = 0; i < 200; i++) {
      const index = await write(active, 'POST', 'secret/data/loop', c.rootToken, { data: { n: i } });
      const r = await call(standby, 'GET', 'secret/data/loop', { token: c.rootToken, ...at(index) });
      assert.equal(r.status, 200);
      assert.equal(r.body.data.data.n, i);
      assert.equal(r.local, true, `read ${i} served by the standby`);
    }
    const list = await call(standby, 'LIST', 'secret/metadata/', { token: c.rootToken });
    assert.deepEqual([list.status, list.local, list.body.data.keys.includes('loop')], [200, true, true]);
    const meta = await call(standby, 'GET', 'secret/metadata/loop', { token: c.rootToken });
    assert.deepEqual([meta.status, meta.local, meta.body.data.current_version], [200, true, 200]);
  });

  test('KV v1 reads and lists are served by the standby', async () => {
    const index = await write(active, 'POST', 'kv1/app', c.rootToken, { password: 'p1' });
    const r = await call(standby, 'GET', 'kv1/app', { token: c.rootToken, ...at(index) });
    assert.deepEqual([r.status, r.local, r.body.data.password], [200, true, 'p1']);
    const l = await call(standby, 'LIST', 'kv1/', { token: c.rootToken });
    assert.deepEqual([l.status, l.local, l.body.data.keys], [200, true, ['app']]);
  });

  test('a read with X-Vault-Index waits for a slow change stream; past the wait it is forwarded; never the old value', async () => {
    await write(active, 'POST', 'secret/data/slow', c.rootToken, { data: { v: 'old' } });
    const warm = await call(standby, 'GET', 'secret/data/slow', { token: c.rootToken });
    assert.equal(warm.body.data.data.v, 'old');
    c.engine.holdChanges();
    try {
      const index = await write(active, 'POST', 'secret/data/slow', c.rootToken, { data: { v: 'new' } });
      setTimeout(() => c.engine.releaseChanges(), 200);
      const r = await call(standby, 'GET', 'secret/data/slow', { token: c.rootToken, ...at(index) });
      assert.deepEqual([r.status, r.body.data.data.v, r.local], [200, 'new', true]);

      c.engine.holdChanges();
      const index2 = await write(active, 'POST', 'secret/data/slow', c.rootToken, { data: { v: 'newer' } });
      const r2 = await call(standby, 'GET', 'secret/data/slow', { token: c.rootToken, ...at(index2) });
      assert.deepEqual([r2.status, r2.body.data.data.v, r2.local], [200, 'newer', false]);
    } finally {
      c.engine.releaseChanges();
    }
  });

  test('X-Vault-Inconsistent: forward-active-node is forwarded', async () => {
    const r = await call(standby, 'GET', 'secret/data/slow', { token: c.rootToken, headers: { 'X-Vault-Inconsistent': 'forward-active-node' } });
    assert.deepEqual([r.status, r.local], [200, false]);
  });

  test('writes through the standby are forwarded and return the active\'s X-Vault-Index', async () => {
    const r = await call(standby, 'POST', 'secret/data/via-standby', { token: c.rootToken, body: { data: { v: 1 } } });
    assert.deepEqual([r.status, r.local], [200, false]);
    assert.match(r.index ?? '', /^\d+$/);
    const back = await call(standby, 'GET', 'secret/data/via-standby', { token: c.rootToken, ...at(r.index!) });
    assert.deepEqual([back.body.data.data.v, back.local], [1, true]);
  });

  test('a policy change on the active changes what the standby allows', async () => {
    await write(active, 'PUT', 'sys/policy/reader', c.rootToken, { policy: 'path "secret/data/pol" { capabilities = ["read"] }' });
    await write(active, 'POST', 'secret/data/pol', c.rootToken, { data: { v: 1 } });
    const created = await call(active, 'POST', 'auth/token/create', { token: c.rootToken, body: { policies: ['reader'] } });
    const token = created.body.auth.client_token as string;
    const ok = await call(standby, 'GET', 'secret/data/pol', { token, ...at(created.index!) });
    assert.deepEqual([ok.status, ok.local], [200, true]);
    const caps = await call(standby, 'POST', 'sys/capabilities-self', { token, body: { path: 'secret/data/pol' } });
    assert.deepEqual([caps.status, caps.local, caps.body.capabilities], [200, true, ['read']]);

    const index = await write(active, 'PUT', 'sys/policy/reader', c.rootToken, { policy: 'path "secret/data/other" { capabilities = ["read"] }' });
    const denied = await call(standby, 'GET', 'secret/data/pol', { token, ...at(index) });
    assert.equal(denied.status, 403);
    const caps2 = await call(standby, 'POST', 'sys/capabilities-self', { token, body: { path: 'secret/data/pol' } });
    assert.deepEqual([caps2.status, caps2.body.capabilities], [200, ['deny']]);
  });

  test('token lookups are served by the standby; a revoked token is refused there', async () => {
    const created = await call(active, 'POST', 'auth/token/create', { token: c.rootToken, body: { policies: ['default'], meta: { who: 'me' } } });
    const token = created.body.auth.client_token as string;
    const self = await call(standby, 'GET', 'auth/token/lookup-self', { token, ...at(created.index!) });
    assert.deepEqual([self.status, self.local, self.body.data.meta], [200, true, { who: 'me' }]);
    const other = await call(standby, 'POST', 'auth/token/lookup', { token: c.rootToken, body: { token } });
    assert.deepEqual([other.status, other.local, other.body.data.meta], [200, true, { who: 'me' }]);
    const byAcc = await call(standby, 'POST', 'auth/token/lookup-accessor', { token: c.rootToken, body: { accessor: created.body.auth.accessor } });
    assert.deepEqual([byAcc.status, byAcc.local], [200, true]);

    const index = await write(active, 'POST', 'auth/token/revoke', c.rootToken, { token });
    const refused = await call(standby, 'GET', 'auth/token/lookup-self', { token, ...at(index) });
    assert.equal(refused.status, 403);
  });

  test('a token with num_uses is forwarded (each use is a write)', async () => {
    const created = await call(active, 'POST', 'auth/token/create', { token: c.rootToken, body: { policies: ['default'], num_uses: 2 } });
    const token = created.body.auth.client_token as string;
    const r = await call(standby, 'GET', 'auth/token/lookup-self', { token, ...at(created.index!) });
    assert.deepEqual([r.status, r.local, r.body.data.num_uses], [200, false, 1]);
  });

  test('a mount tuned or removed on the active is seen by the standby', async () => {
    await write(active, 'POST', 'sys/mounts/tuned', c.rootToken, { type: 'kv' });
    const w = await write(active, 'POST', 'tuned/x', c.rootToken, { v: 1 });
    const before = await call(standby, 'GET', 'tuned/x', { token: c.rootToken, ...at(w) });
    assert.deepEqual([before.status, before.local], [200, true]);
    const tuned = await write(active, 'POST', 'sys/mounts/tuned/tune', c.rootToken, { default_lease_ttl: '1h', max_lease_ttl: '2h' });
    const after = await call(standby, 'GET', 'tuned/x', { token: c.rootToken, ...at(tuned) });
    assert.deepEqual([after.status, after.body.lease_duration], [200, 3600]);
    const removed = await write(active, 'DELETE', 'sys/mounts/tuned', c.rootToken);
    const gone = await call(standby, 'GET', 'tuned/x', { token: c.rootToken, ...at(removed) });
    assert.notEqual(gone.status, 200);
  });

  test('a KV mount tuned from version 1 to 2: the upgrade runs on the active only; the standby serves the migrated data', async () => {
    await write(active, 'POST', 'sys/mounts/grow', c.rootToken, { type: 'kv' });
    // Enough keys that the active is still migrating when the standby rebuilds its mounts.
    for (let i = 0; i < 300; i++) await write(active, 'POST', `grow/k${i}`, c.rootToken, { v: i });
    const tuned = await write(active, 'POST', 'sys/mounts/grow/tune', c.rootToken, { options: { version: '2' } });
    await waitFor('the active to finish the upgrade', async () => (await call(active, 'GET', 'grow/data/k299', { token: c.rootToken })).status === 200, { timeoutMs: 30_000 });
    const w = await write(active, 'POST', 'grow/data/after', c.rootToken, { data: { v: 'after' } });
    for (const key of ['k0', 'k299', 'after']) {
      const r = await call(standby, 'GET', `grow/data/${key}`, { token: c.rootToken, ...at(String(Math.max(Number(w), Number(tuned)))) });
      assert.equal(r.status, 200, `grow/data/${key} on the standby: ${JSON.stringify(r.body)}`);
    }
    await waitFor('the standby to serve the upgraded mount itself', async () => (await call(standby, 'GET', 'grow/data/k1', { token: c.rootToken })).local, { timeoutMs: 30_000 });
  });

  test('a lost change stream: the standby forwards (no stale read) until it has reloaded', async () => {
    await write(active, 'POST', 'secret/data/lost', c.rootToken, { data: { v: 'before' } });
    assert.equal((await call(standby, 'GET', 'secret/data/lost', { token: c.rootToken })).body.data.data.v, 'before');
    c.engine.holdChanges();
    c.engine.changeStreamsDown(true);
    try {
      await write(active, 'POST', 'secret/data/lost', c.rootToken, { data: { v: 'after' } });
      for (let i = 0; i < 5; i++) {
        const r = await call(standby, 'GET', 'secret/data/lost', { token: c.rootToken });
        assert.deepEqual([r.status, r.body.data.data.v, r.local], [200, 'after', false]);
      }
      assert.equal(standby.core.isPerformanceStandby(), false);
    } finally {
      c.engine.changeStreamsDown(false);
      c.engine.releaseChanges();
    }
    const back = await waitFor('local reads again', async () => {
      const r = await call(standby, 'GET', 'secret/data/lost', { token: c.rootToken });
      return r.local ? r : undefined;
    });
    assert.equal(back.body.data.data.v, 'after');
  });

  test('a keyring rotation on the active: the standby reloads the keyring and reads values sealed under the new term', async () => {
    const rotated = await write(active, 'POST', 'sys/rotate', c.rootToken);
    const w = await write(active, 'POST', 'secret/data/after-rotate', c.rootToken, { data: { v: 'new-term' } });
    assert.ok(Number(w) > Number(rotated));
    const r = await call(standby, 'GET', 'secret/data/after-rotate', { token: c.rootToken, ...at(w) });
    assert.deepEqual([r.status, r.body.data.data.v, r.local], [200, 'new-term', true]);
  });

  test('every built-in engine and auth method mounted on the active: the standby still rebuilds and serves', async () => {
    for (const [path, type] of [['transit', 'transit'], ['pki', 'pki'], ['database', 'database']] as const) await write(active, 'POST', `sys/mounts/${path}`, c.rootToken, { type });
    for (const [path, type] of [['approle', 'approle'], ['userpass', 'userpass'], ['kubernetes', 'kubernetes']] as const) await write(active, 'POST', `sys/auth/${path}`, c.rootToken, { type });
    const index = await write(active, 'POST', 'secret/data/after-mounts', c.rootToken, { data: { v: 1 } });
    const r = await call(standby, 'GET', 'secret/data/after-mounts', { token: c.rootToken, ...at(index) });
    assert.deepEqual([r.status, r.body.data.data.v, r.local], [200, 1, true]);
    // A read of a non-KV engine is the active's (it may create credentials or leases).
    const t = await call(standby, 'LIST', 'transit/keys', { token: c.rootToken });
    assert.equal(t.local, false);
  });

  test('after a step-down the new active is a normal active and the old one a performance standby', async () => {
    await write(active, 'POST', 'secret/data/handover', c.rootToken, { data: { v: 1 } });
    assert.equal((await call(standby, 'GET', 'secret/data/handover', { token: c.rootToken })).body.data.data.v, 1);
    await write(active, 'PUT', 'sys/step-down', c.rootToken);
    const next = await waitFor('the standby to take over', async () => ((await standby.core.leader()).is_self ? standby : undefined));
    const w = await write(next, 'POST', 'secret/data/handover', c.rootToken, { data: { v: 2 } });
    const onNew = await call(next, 'GET', 'secret/data/handover', { token: c.rootToken });
    assert.deepEqual([onNew.body.data.data.v, onNew.local], [2, false]);
    await waitFor('the old active to serve as a performance standby', () => active.core.isPerformanceStandby());
    const onOld = await call(active, 'GET', 'secret/data/handover', { token: c.rootToken, ...at(w) });
    assert.deepEqual([onOld.body.data.data.v, onOld.local], [2, true]);
  });
});
