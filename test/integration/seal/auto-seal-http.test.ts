/**
 * sys/init, sys/seal-status and sys/unseal over HTTP on a node with an auto seal (the
 * static seal, in process): Vault's parameter rules, recovery keys, and the recovery-key
 * unseal after a manual seal.
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
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('auto seal over HTTP', () => {
  let core: WardCore;
  let listener: Listener;
  let s: { url: string };
  let recovery: string[] = [];
  let root = '';

  before(async () => {
    core = new WardCore({ physical: new InmemPhysical(), logger: silentLogger, seal: { active: new StaticSeal({ type: 'static', currentKeyId: 'k', currentKey: randomBytes(32) }) } });
    listener = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));
    s = { url: listener.url };
  });
  after(async () => {
    await listener.close();
    await core.shutdown();
  });

  it('uninitialised: seal-status names the seal and says recovery_seal', async () => {
    const st = (await api(s, 'GET', 'sys/seal-status')).body;
    assert.equal(st.type, 'static');
    assert.equal(st.recovery_seal, true);
    assert.equal(st.initialized, false);
    assert.equal(st.migration, false);
  });

  it('init refuses Shamir parameters and bad recovery parameters with Vault\'s text', async () => {
    const r = await api(s, 'PUT', 'sys/init', { body: { secret_shares: 5, secret_threshold: 3 } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['parameters secret_shares,secret_threshold not applicable to seal type static']);
    const bad = await api(s, 'PUT', 'sys/init', { body: { recovery_shares: 2, recovery_threshold: 3 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, ['invalid recovery configuration: threshold cannot be larger than shares']);
    assert.equal((await api(s, 'PUT', 'sys/init', { body: {} })).status, 400);
    const pgp = await api(s, 'PUT', 'sys/init', { body: { recovery_shares: 1, recovery_threshold: 1, recovery_pgp_keys: ['abc'] } });
    assert.deepEqual([pgp.status, pgp.body.errors], [400, ['invalid recovery configuration: error decoding given PGP key: illegal base64 data']]);
    assert.deepEqual((await api(s, 'GET', 'sys/init')).body, { initialized: false });
  });

  it('init with recovery 3/2 (and the zeros the Go client sends) returns recovery keys and leaves the node unsealed', async () => {
    const r = await api(s, 'PUT', 'sys/init', { body: { secret_shares: 0, secret_threshold: 0, stored_shares: 0, recovery_shares: 3, recovery_threshold: 2, pgp_keys: null } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.keys, []);
    assert.deepEqual(r.body.keys_base64, []);
    assert.equal(r.body.recovery_keys.length, 3);
    assert.equal(r.body.recovery_keys_base64.length, 3);
    recovery = r.body.recovery_keys;
    root = r.body.root_token;
    const st = (await api(s, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([st.type, st.sealed, st.t, st.n, st.recovery_seal, st.recovery_seal_type], ['static', false, 2, 3, true, 'shamir']);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: root })).status, 200);
  });

  it('after sys/seal, recovery keys unseal; migrate=true outside a migration is refused', async () => {
    assert.equal((await api(s, 'PUT', 'sys/seal', { token: root })).status, 204);
    const m = await api(s, 'PUT', 'sys/unseal', { body: { key: recovery[0], migrate: true } });
    assert.equal(m.status, 400);
    assert.deepEqual(m.body.errors, ["'migrate' parameter set true in JSON body when not in seal migration mode"]);
    assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key: recovery[0] } })).body.progress, 1);
    const done = await api(s, 'PUT', 'sys/unseal', { body: { key: recovery[2] } });
    assert.equal(done.body.sealed, false);
  });
});

describe('Shamir node refuses recovery parameters', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ dev: false });
  });
  after(async () => {
    await s.close();
  });

  it('recovery_shares on a Shamir seal is a 400 naming the parameters', async () => {
    const r = await api(s, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1, recovery_shares: 3, recovery_threshold: 2 } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['parameters recovery_shares,recovery_threshold not applicable to seal type shamir']);
    const st = (await api(s, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([st.type, st.recovery_seal, 'recovery_seal_type' in st], ['shamir', false, false]);
  });
});
