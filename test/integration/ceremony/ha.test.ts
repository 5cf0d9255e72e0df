/**
 * Key ceremonies on a performance standby: the attempt lives on the active node, so the
 * standby forwards every ceremony request (reads included) instead of answering from its own,
 * empty, memory; a root token generated through the standby works on the active node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';
import { call } from '../../helpers/vault-index.js';

describe('HA: generate-root and rekey through a performance standby', () => {
  let c: HaCluster;
  let active: HaNode;
  let standby: HaNode;

  before(async () => {
    c = await startHaCluster({ nodes: 2, performanceStandby: true });
    active = await c.active();
    standby = c.nodes.find((n) => n !== active)!;
    await waitFor('the standby to serve locally', () => standby.core.isPerformanceStandby());
  });
  after(() => c.close());

  test('generate-root started, read and completed through the standby', async () => {
    const start = await call(standby, 'PUT', 'sys/generate-root/attempt', { body: {} });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const onStandby = await call(standby, 'GET', 'sys/generate-root/attempt');
    assert.deepEqual([onStandby.local, onStandby.body.started, onStandby.body.nonce], [false, true, start.body.nonce]);
    assert.equal((await call(active, 'GET', 'sys/generate-root/attempt')).body.nonce, start.body.nonce);
    const done = await call(standby, 'PUT', 'sys/generate-root/update', { body: { key: c.unsealKey, nonce: start.body.nonce } });
    assert.equal(done.body.complete, true, JSON.stringify(done.body));
    const token = (await call(standby, 'PUT', 'sys/decode-token', { body: { encoded_token: done.body.encoded_token, otp: start.body.otp } })).body.data.token;
    assert.equal((await call(active, 'GET', 'auth/token/lookup-self', { token })).status, 200);
  });

  test('rekey status read on the standby is the active node\'s', async () => {
    const init = await call(active, 'PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    const st = await call(standby, 'GET', 'sys/rekey/init');
    assert.deepEqual([st.local, st.body.started, st.body.nonce], [false, true, init.body.nonce]);
    assert.equal((await call(standby, 'DELETE', 'sys/rekey/init', { body: { nonce: init.body.nonce } })).status, 204);
    assert.equal((await call(active, 'GET', 'sys/rekey/init')).body.started, false);
  });
});

describe('HA: a step-down drops the ceremonies of the node that stepped down', () => {
  let c: HaCluster;
  before(async () => {
    c = await startHaCluster({ nodes: 2 });
  });
  after(() => c.close());

  test('an attempt started before a step-down is not found on the new active, nor back on the old one', async () => {
    const first = await c.active();
    const start = await call(first, 'PUT', 'sys/generate-root/attempt', { body: {} });
    assert.equal(start.body.started, true);
    assert.equal((await call(first, 'PUT', 'sys/step-down', { token: c.rootToken })).status, 204);
    const second = await waitFor('another node to become active', async () => {
      const a = await c.active();
      return a !== first ? a : undefined;
    });
    assert.equal((await call(second, 'GET', 'sys/generate-root/attempt')).body.started, false);
    // Back to the first node: the attempt it held before stepping down is gone, not revived.
    assert.equal((await call(second, 'PUT', 'sys/step-down', { token: c.rootToken })).status, 204);
    await waitFor('the first node to be active again', async () => ((await c.active()) === first ? first : undefined));
    assert.equal((await call(first, 'GET', 'sys/generate-root/attempt')).body.started, false);
  });
});
