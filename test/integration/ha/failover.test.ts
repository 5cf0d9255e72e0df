/**
 * Failover: the active node loses the HA lock (forced from the engine side, as an expired
 * TTL). It must stop serving at once; a standby takes over with everything the old active
 * had, including a keyring rotated after the standby unsealed.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { test } from 'node:test';
import { generateClusterCert } from '../../../src/core/ha/cluster-cert.js';
import { api } from '../../helpers/server.js';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';

async function newActive(c: HaCluster, old: HaNode): Promise<HaNode> {
  return waitFor('another node to become active', async () => {
    for (const n of c.nodes) if (n !== old && (await n.core.leader()).is_self) return n;
    return undefined;
  });
}

test('after a forced lock loss a standby serves all data (mounts, policies, tokens, leases) under the rotated keyring', async () => {
  const c = await startHaCluster({ nodes: 2 });
  try {
    const a = await c.active();
    const root = { token: c.rootToken };
    assert.equal((await api(a, 'POST', 'sys/mounts/kv2', { ...root, body: { type: 'kv', options: { version: '2' } } })).status, 204);
    assert.equal((await api(a, 'PUT', 'sys/policies/acl/reader', { ...root, body: { policy: 'path "kv2/data/*" { capabilities = ["read"] }' } })).status, 204);
    // Rotate on the first active: the standby unsealed under term 1 and has never seen term 2.
    assert.equal((await api(a, 'PUT', 'sys/rotate', root)).status, 204);
    assert.equal((await api(a, 'POST', 'kv2/data/db', { ...root, body: { data: { password: 'after-rotation' } } })).status, 200);
    const tok = await api(a, 'POST', 'auth/token/create', { ...root, body: { policies: ['reader'], ttl: '1h' } });
    const userToken: string = tok.body.auth.client_token;

    c.engine.forceExpire('core/lock');
    const b = await newActive(c, a);
    // The old active stepped down: it no longer serves from its own subsystems.
    await waitFor('the old active to report standby', async () => (await api(a, 'GET', 'sys/health')).status === 429);
    assert.equal(a.core.active, null);

    assert.equal((await api(b, 'GET', 'sys/key-status', root)).body.data.term, 2);
    const mounts = await api(b, 'GET', 'sys/mounts', root);
    assert.equal(mounts.body.data['kv2/'].options.version, '2');
    assert.match((await api(b, 'GET', 'sys/policies/acl/reader', root)).body.data.policy, /kv2\/data/);
    const read = await api(b, 'GET', 'kv2/data/db', { token: userToken });
    assert.equal(read.status, 200);
    assert.equal(read.body.data.data.password, 'after-rotation');
    // The token's lease moved too: the new active's expiration manager renews it.
    const renewed = await api(b, 'PUT', 'auth/token/renew-self', { token: userToken, body: { increment: '30m' } });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.auth.lease_duration, 1800);
    // And a client still talking to the old active's address is forwarded to the new one.
    const via = await waitFor('the old active to forward', async () => {
      const r = await api(a, 'GET', 'kv2/data/db', { token: userToken });
      return r.status === 200 ? r : undefined;
    });
    assert.equal(via.body.data.data.password, 'after-rotation');
  } finally {
    await c.close();
  }
});

test('a node that lost the lock has its writes refused by the engine and never acknowledges them', async () => {
  const c = await startHaCluster({ nodes: 2 });
  try {
    const a = await c.active();
    c.engine.forceExpire('core/lock');
    const b = await newActive(c, a);
    // Anything on the old node that still writes (a request in flight, a timer) is refused
    // by the store itself, and the new active's data stays as it was.
    await assert.rejects(a.core.barrier.put('sys/late', Buffer.from('late')), /no longer holds the HA lock/);
    assert.equal(await b.core.barrier.get('sys/late'), null);
  } finally {
    await c.close();
  }
});

test('sealing the active node releases the lock to a standby', async () => {
  const c = await startHaCluster({ nodes: 2 });
  try {
    const a = await c.active();
    assert.equal((await api(a, 'PUT', 'sys/seal', { token: c.rootToken })).status, 204);
    const b = await newActive(c, a);
    assert.equal((await api(a, 'GET', 'sys/health')).status, 503);
    assert.equal((await api(a, 'GET', 'sys/leader')).status, 503);
    assert.equal((await api(b, 'GET', 'sys/health')).status, 200);
  } finally {
    await c.close();
  }
});

test('the cluster port refuses clients without the cluster certificate', async () => {
  const c = await startHaCluster({ nodes: 2 });
  try {
    const a = await c.active();
    const u = new URL(a.clusterUrl);
    const attempt = (opts: { cert?: string; key?: string }) =>
      new Promise<string>((resolve) => {
        const s = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, ...opts }, () => {
          s.write(`GET /v1/sys/mounts HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${c.rootToken}\r\n\r\n`);
        });
        let got = '';
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.on('error', () => resolve(`refused:${got}`));
        s.on('close', () => resolve(`refused:${got}`));
      });
    assert.equal(await attempt({}), 'refused:');
    const stranger = await generateClusterCert();
    assert.equal(await attempt({ cert: stranger.certPem, key: stranger.keyPem }), 'refused:');
  } finally {
    await c.close();
  }
});

test('a node that becomes active again serves what the other active wrote meanwhile, not its old cache', async () => {
  const c = await startHaCluster({ nodes: 2, stepDownBackoffMs: 1000 });
  try {
    const root = { token: c.rootToken };
    const a = await c.active();
    assert.equal((await api(a, 'POST', 'sys/mounts/kv', { ...root, body: { type: 'kv', options: { version: '1' } } })).status, 204);
    assert.equal((await api(a, 'PUT', 'kv/k', { ...root, body: { v: 'one' } })).status, 204);
    assert.equal((await api(a, 'GET', 'kv/k', root)).body.data.v, 'one'); // now in a's cache
    assert.equal((await api(a, 'PUT', 'sys/step-down', root)).status, 204);
    const b = await newActive(c, a);
    assert.equal((await api(b, 'PUT', 'kv/k', { ...root, body: { v: 'two' } })).status, 204);
    assert.equal((await api(b, 'PUT', 'sys/step-down', root)).status, 204);
    await newActive(c, b);
    assert.equal((await api(a, 'GET', 'kv/k', root)).body.data.v, 'two');
  } finally {
    await c.close();
  }
});

test('an active whose renewals stop (paused process) loses the lock after its TTL; on waking it steps down and its writes are refused', async () => {
  const c = await startHaCluster({ nodes: 2 });
  try {
    const a = await c.active();
    c.engine.pauseRenewals(a.physical);
    const b = await newActive(c, a);
    assert.equal(a.core.isHaActive(), true, 'the paused node has not noticed yet');
    await assert.rejects(a.core.barrier.put('sys/late', Buffer.from('late')), /no longer holds the HA lock/);
    // A client write that reaches it is refused by the store: the client gets a clean 503
    // (its client retries), and the refusal alone makes the node step down.
    const w = await api(a, 'PUT', 'sys/policies/acl/late', { token: c.rootToken, body: { policy: 'path "x" { capabilities = ["read"] }' } });
    assert.equal(w.status, 503);
    assert.deepEqual(w.body, { errors: ['Vault is in standby mode'] });
    await waitFor('the fenced node to step down', () => !a.core.isHaActive());
    assert.equal((await api(b, 'GET', 'sys/policies/acl/late', { token: c.rootToken })).status, 404);
    c.engine.resumeRenewals(a.physical);
    await waitFor('the paused node to step down', async () => (await api(a, 'GET', 'sys/health')).status === 429);
    assert.equal((await api(b, 'GET', 'sys/health')).status, 200);
  } finally {
    await c.close();
  }
});

test('with disable_clustering standbys redirect every request (307) to the active api_addr', async () => {
  const c = await startHaCluster({ nodes: 2, disableClustering: true });
  try {
    const a = await c.active();
    const s = c.nodes.find((n) => n !== a)!;
    const r = await fetch(`${s.url}/v1/sys/mounts?x=1`, { headers: { 'X-Vault-Token': c.rootToken }, redirect: 'manual' });
    assert.equal(r.status, 307);
    assert.equal(r.headers.get('location'), `${a.url}/v1/sys/mounts?x=1`);
    assert.equal((await api(s, 'GET', 'sys/leader')).body.leader_cluster_address, '');
  } finally {
    await c.close();
  }
});

test('with no active node a standby answers 503 "no active Vault instance found"; after the step-down back-off it takes the lock again', async () => {
  const c = await startHaCluster({ nodes: 2, stepDownBackoffMs: 1500 });
  try {
    const a = await c.active();
    const b = c.nodes.find((n) => n !== a)!;
    await b.core.sealNow();
    assert.equal((await api(a, 'PUT', 'sys/step-down', { token: c.rootToken })).status, 204);
    const r = await waitFor('a to stand by with nobody active', async () => {
      const x = await api(a, 'GET', 'sys/mounts', { token: c.rootToken });
      return x.status === 503 ? x : undefined;
    });
    assert.deepEqual(r.body, { errors: ['no active Vault instance found'] });
    assert.equal((await api(a, 'GET', 'sys/leader')).body.leader_address, '');
    await waitFor('a to take the lock back', async () => (await api(a, 'GET', 'sys/mounts', { token: c.rootToken })).status === 200);
  } finally {
    await c.close();
  }
});
