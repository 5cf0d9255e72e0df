/**
 * Auto-unseal with real processes: a Ward with `seal "transit"` pointing at another Ward.
 * Init gives recovery keys and an unsealed node; a restart comes back unsealed with no
 * human step; with the provider down it retries and unseals once the provider is back;
 * a wrong key_name is a clear logged error and the node stays sealed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { SealNode, startProvider, transitStanza, type Provider } from './seal-harness.js';

describe('transit seal, real processes', () => {
  let provider: Provider;
  const node = new SealNode();
  let root = '';

  before(async () => {
    provider = await startProvider();
  });
  after(async () => {
    await node.cleanup();
    await provider.cleanup();
  });

  it('init returns recovery keys and the node is unsealed; a KV write lands', async () => {
    await node.start(transitStanza(provider));
    const pre = await node.sealStatus();
    assert.deepEqual([pre.type, pre.initialized, pre.sealed, pre.recovery_seal], ['transit', false, true, true]);
    const init = await api(node, 'PUT', 'sys/init', { body: { recovery_shares: 3, recovery_threshold: 2 } });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    assert.equal(init.body.recovery_keys_base64.length, 3);
    assert.deepEqual(init.body.keys, []);
    root = init.body.root_token;
    const st = await node.sealStatus();
    assert.deepEqual([st.sealed, st.t, st.n], [false, 2, 3]);
    assert.equal((await api(node, 'POST', 'sys/mounts/secret', { token: root, body: { type: 'kv', options: { version: '2' } } })).status, 204);
    assert.equal((await api(node, 'PUT', 'secret/data/app', { token: root, body: { data: { password: 'p1' } } })).status, 200);
    assert.ok(!node.proc!.stderr().includes(provider.token), 'the seal token is never logged');
  });

  it('a restart comes back unsealed with no human step', async () => {
    await node.stop();
    await node.start(transitStanza(provider));
    await node.waitUnsealed();
    const r = await api(node, 'GET', 'secret/data/app', { token: root });
    assert.equal(r.body.data.data.password, 'p1');
  });

  it('provider down at start: the node logs the cause, stays sealed, retries, and unseals when it is back', async () => {
    await node.stop();
    await provider.stop();
    const proc = await node.start(transitStanza(provider));
    await waitFor('a logged auto-unseal failure', () => /auto-unseal: failed to unseal \(the seal is unreachable\); retrying/.test(proc.stderr()), { timeoutMs: 20_000, context: () => proc.stderr() });
    assert.match(proc.stderr(), new RegExp(`cannot reach ${provider.url.replace(/[.]/g, '\\.')}: connection refused`));
    const st = await node.sealStatus();
    assert.deepEqual([st.initialized, st.sealed], [true, true]);
    assert.equal(proc.child.exitCode, null, 'still running');
    await provider.start();
    await node.waitUnsealed();
    assert.equal((await api(node, 'GET', 'secret/data/app', { token: root })).body.data.data.password, 'p1');
  });

  it('a wrong key_name is a clear logged error and the node stays sealed; the right one unseals again', async () => {
    await node.stop();
    const proc = await node.start(transitStanza(provider, { keyName: 'wrong' }));
    await waitFor('a logged key error', () => /transit seal: decrypt with key \\?"wrong\\?" on mount \\?"transit\\?" at \S+ failed: encryption key not found \(HTTP 400\)/.test(proc.stderr()), { timeoutMs: 20_000, context: () => proc.stderr() });
    assert.equal((await node.sealStatus()).sealed, true);
    assert.equal((await proc.kill('SIGTERM')).code, 0, 'SIGTERM ends the retry loop and the process cleanly');
    await node.start(transitStanza(provider));
    await node.waitUnsealed();
  });
});
