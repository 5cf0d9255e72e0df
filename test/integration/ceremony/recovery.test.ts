/**
 * With an auto seal (the static seal, in process): sys/rekey-recovery-key replaces the
 * recovery shares, sys/rekey refuses, and generate-root takes recovery shares.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WardCore } from '../../../src/core/core.js';
import { StaticSeal } from '../../../src/core/seal/static-seal.js';
import { createHandler } from '../../../src/http/handler.js';
import { startListener, type Listener } from '../../../src/http/listener.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { InmemPhysical } from '../../../src/storage/inmem/inmem-physical.js';
import { api } from '../../helpers/server.js';
import { seal, unseal } from './harness.js';

describe('rekey of recovery keys (auto seal)', () => {
  let core: WardCore;
  let listener: Listener;
  let s: { url: string };
  let recovery: string[] = [];
  let root = '';

  before(async () => {
    core = new WardCore({ physical: new InmemPhysical(), logger: silentLogger, seal: { active: new StaticSeal({ type: 'static', currentKeyId: 'k', currentKey: randomBytes(32) }) } });
    listener = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));
    s = { url: listener.url };
    const init = await api(s, 'PUT', 'sys/init', { body: { recovery_shares: 3, recovery_threshold: 2 } });
    recovery = init.body.recovery_keys;
    root = init.body.root_token;
  });
  after(async () => {
    await listener.close();
    await core.shutdown();
  });

  it('sys/rekey (the root key) is refused with an auto seal', async () => {
    const r = await api(s, 'PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0], /sys\/rekey-recovery-key/);
  });

  it('3-of-2 recovery keys become 2-of-2; the old ones stop unsealing after a manual seal', async () => {
    const st = await api(s, 'GET', 'sys/rekey-recovery-key/init');
    assert.equal(st.body.required, 2);
    const init = await api(s, 'PUT', 'sys/rekey-recovery-key/init', { body: { secret_shares: 2, secret_threshold: 2 } });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const nonce = init.body.nonce;
    const none = await api(s, 'PUT', 'sys/rekey/update', { body: { key: recovery[0], nonce } });
    assert.equal(none.status, 400, 'sys/rekey stays refused while the recovery rekey runs');
    await api(s, 'PUT', 'sys/rekey-recovery-key/update', { body: { key: recovery[0], nonce } });
    const done = await api(s, 'PUT', 'sys/rekey-recovery-key/update', { body: { key: recovery[1], nonce } });
    assert.equal(done.body.complete, true, JSON.stringify(done.body));
    assert.equal(done.body.keys.length, 2);
    const status = (await api(s, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.t, status.n], [2, 2]);
    await seal(s, root);
    assert.equal((await unseal(s, recovery.slice(0, 2))).status, 400);
    assert.equal((await unseal(s, done.body.keys)).body.sealed, false);
    recovery = done.body.keys;
  });

  it('generate-root takes the recovery shares', async () => {
    const start = (await api(s, 'PUT', 'sys/generate-root/attempt', { body: {} })).body;
    await api(s, 'PUT', 'sys/generate-root/update', { body: { key: recovery[0], nonce: start.nonce } });
    const done = (await api(s, 'PUT', 'sys/generate-root/update', { body: { key: recovery[1], nonce: start.nonce } })).body;
    assert.equal(done.complete, true, JSON.stringify(done));
    const token = (await api(s, 'PUT', 'sys/decode-token', { body: { encoded_token: done.encoded_token, otp: start.otp } })).body.data.token;
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token })).status, 200);
  });
});
