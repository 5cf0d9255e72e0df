/**
 * The operator's first session against an uninitialised server: init, unseal with a
 * mix of hex and base64 shares, health codes in every state, key rotation, seal and
 * unseal again — all over a real socket.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

async function head(server: TestServer, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}/v1/${path}`, { method: 'HEAD' });
  return { status: res.status, text: await res.text() };
}

describe('seal lifecycle over HTTP', () => {
  let s: TestServer;
  let keys: string[] = [];
  let keysB64: string[] = [];
  let root = '';

  before(async () => {
    s = await startTestServer({ dev: false });
  });
  after(async () => {
    await s.close();
  });

  it('uninitialised: sys/init false, health 501, seal-status 0/0, other paths 503', async () => {
    assert.deepEqual((await api(s, 'GET', 'sys/init')).body, { initialized: false });
    const h = await api(s, 'GET', 'sys/health');
    assert.equal(h.status, 501);
    assert.equal(h.body.initialized, false);
    assert.equal((await api(s, 'GET', 'sys/health?uninitcode=299')).status, 299);
    assert.equal((await head(s, 'sys/health')).status, 501);
    const st = (await api(s, 'GET', 'sys/seal-status')).body;
    assert.equal(st.initialized, false);
    assert.equal(st.sealed, true);
    assert.equal(st.t, 0);
    assert.equal(st.n, 0);
    const k = await api(s, 'GET', 'secret/data/x', { token: 'hvs.whatever' });
    assert.equal(k.status, 503);
    assert.ok(k.body.errors.join(' ').includes('Vault is sealed'));
    const l = await api(s, 'GET', 'sys/leader');
    assert.equal(l.status, 200);
    assert.equal(l.body.ha_enabled, false);
  });

  it('init validation: threshold > shares and threshold 1 with 5 shares → 400', async () => {
    assert.equal((await api(s, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 4 } })).status, 400);
    assert.equal((await api(s, 'PUT', 'sys/init', { body: { secret_shares: 5, secret_threshold: 1 } })).status, 400);
    assert.deepEqual((await api(s, 'GET', 'sys/init')).body, { initialized: false });
  });

  it('PUT sys/init 5/3 returns 5 hex + 5 base64 shares and a root token, still sealed', async () => {
    const r = await api(s, 'PUT', 'sys/init', { body: { secret_shares: 5, secret_threshold: 3 } });
    assert.equal(r.status, 200);
    keys = r.body.keys;
    keysB64 = r.body.keys_base64;
    root = r.body.root_token;
    assert.equal(keys.length, 5);
    assert.equal(keysB64.length, 5);
    for (const [i, k] of keys.entries()) {
      assert.match(k, /^[0-9a-f]{66}$/);
      assert.equal(Buffer.from(keysB64[i] as string, 'base64').toString('hex'), k);
    }
    assert.match(root, /^hvs\./);
    assert.equal(new Set(keys).size, 5);
    assert.deepEqual((await api(s, 'GET', 'sys/init')).body, { initialized: true });
    const again = await api(s, 'PUT', 'sys/init', { body: { secret_shares: 5, secret_threshold: 3 } });
    assert.equal(again.status, 400);
    assert.ok(again.body.errors.join(' ').includes('already initialized'));
    const st = (await api(s, 'GET', 'sys/seal-status')).body;
    assert.equal(st.sealed, true);
    assert.equal(st.t, 3);
    assert.equal(st.n, 5);
    assert.equal(st.progress, 0);
    assert.equal(st.type, 'shamir');
  });

  it('while sealed: health 503, sealedcode override, HEAD, authenticated paths 503', async () => {
    const h = await api(s, 'GET', 'sys/health');
    assert.equal(h.status, 503);
    assert.equal(h.body.sealed, true);
    assert.equal(h.body.standby, true);
    assert.equal((await api(s, 'GET', 'sys/health?sealedcode=299')).status, 299);
    const hd = await head(s, 'sys/health');
    assert.equal(hd.status, 503);
    assert.equal(hd.text, '');
    for (const [m, p] of [
      ['GET', 'sys/mounts'],
      ['GET', 'auth/token/lookup-self'],
      ['PUT', 'sys/seal'],
      ['GET', 'sys/key-status'],
      ['POST', 'sys/wrapping/lookup'],
      ['GET', 'sys/internal/ui/mounts'],
      ['LIST', 'sys/policies/acl'],
    ] as const) {
      const r = await api(s, m, p, { token: root });
      assert.equal(r.status, 503, `${m} ${p}`);
      assert.ok(r.body.errors.join(' ').includes('Vault is sealed'), `${m} ${p}`);
    }
    assert.equal((await api(s, 'GET', 'sys/leader')).status, 200);
  });

  it('unseal progress and nonce across calls mixing hex and base64; reset', async () => {
    const a = (await api(s, 'PUT', 'sys/unseal', { body: { key: keys[0] } })).body;
    assert.equal(a.sealed, true);
    assert.equal(a.progress, 1);
    assert.match(a.nonce, /^[0-9a-f-]{36}$/);
    const b = (await api(s, 'PUT', 'sys/unseal', { body: { key: keysB64[1] } })).body;
    assert.equal(b.progress, 2);
    assert.equal(b.nonce, a.nonce);
    assert.equal((await api(s, 'GET', 'sys/seal-status')).body.progress, 2);
    const r = (await api(s, 'PUT', 'sys/unseal', { body: { reset: true } })).body;
    assert.equal(r.progress, 0);
    assert.equal(r.sealed, true);
    // A fresh attempt gets a new nonce.
    const c = (await api(s, 'PUT', 'sys/unseal', { body: { key: keysB64[2] } })).body;
    assert.equal(c.progress, 1);
    assert.notEqual(c.nonce, a.nonce);
    await api(s, 'PUT', 'sys/unseal', { body: { reset: true } });
  });

  it('bad unseal inputs → 400', async () => {
    const r1 = await api(s, 'PUT', 'sys/unseal', { body: { key: 'not hex or base64!!' } });
    assert.equal(r1.status, 400);
    assert.ok(r1.body.errors.join(' ').includes("'key' must be a valid hex or base64 string"));
    assert.equal((await api(s, 'PUT', 'sys/unseal', { body: {} })).status, 400);
  });

  it('wrong key combination → 400, progress reset, still sealed', async () => {
    const bogus = Buffer.from((keys[0] as string).slice(0, -2) + ((Number.parseInt((keys[0] as string).slice(-2), 16) ^ 0xff).toString(16).padStart(2, '0')), 'hex');
    // Duplicated share: submitting the same key twice must not count as progress toward threshold.
    await api(s, 'PUT', 'sys/unseal', { body: { key: keys[0] } });
    await api(s, 'PUT', 'sys/unseal', { body: { key: keys[1] } });
    const r = await api(s, 'PUT', 'sys/unseal', { body: { key: bogus.toString('hex') } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    const st = (await api(s, 'GET', 'sys/seal-status')).body;
    assert.equal(st.sealed, true);
    assert.equal(st.progress, 0);
    assert.equal((await api(s, 'GET', 'sys/mounts', { token: root })).status, 503);
  });

  it('three good shares (hex, base64, hex) unseal; health 200; leader; unseal while unsealed is a no-op', async () => {
    await api(s, 'PUT', 'sys/unseal', { body: { key: keys[4] } });
    await api(s, 'PUT', 'sys/unseal', { body: { key: keysB64[2] } });
    const r = (await api(s, 'PUT', 'sys/unseal', { body: { key: keys[0] } })).body;
    assert.equal(r.sealed, false);
    assert.equal(r.progress, 0);
    assert.equal(r.nonce, '');
    assert.ok(r.cluster_name);
    const h = await api(s, 'GET', 'sys/health');
    assert.equal(h.status, 200);
    assert.equal(h.body.sealed, false);
    assert.equal(h.body.standby, false);
    assert.equal((await head(s, 'sys/health')).status, 200);
    assert.equal((await api(s, 'GET', 'sys/health?activecode=299')).status, 299);
    assert.equal((await api(s, 'GET', 'sys/health?sealedcode=abc')).status, 400);
    const again = await api(s, 'PUT', 'sys/unseal', { body: { key: keys[1] } });
    assert.equal(again.status, 200);
    assert.equal(again.body.sealed, false);
    assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { reset: true } })).status, 400);
    const me = await api(s, 'GET', 'auth/token/lookup-self', { token: root });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.data.policies, ['root']);
    assert.equal(me.body.data.path, 'auth/token/root');
  });

  it('key-status and rotate: term increments, old data still readable', async () => {
    assert.equal((await api(s, 'POST', 'sys/mounts/kv', { token: root, body: { type: 'kv', options: { version: '1' } } })).status, 204);
    assert.equal((await api(s, 'PUT', 'kv/before', { token: root, body: { v: 'old-term' } })).status, 204);
    const ks1 = await api(s, 'GET', 'sys/key-status', { token: root });
    assert.equal(ks1.status, 200);
    assert.equal(ks1.body.data.term, 1);
    assert.equal(ks1.body.term, 1, 'sys/key-status injects data at top level');
    assert.ok(!Number.isNaN(Date.parse(ks1.body.data.install_time)));
    assert.equal((await api(s, 'PUT', 'sys/rotate', { token: root })).status, 204);
    const ks2 = await api(s, 'GET', 'sys/key-status', { token: root });
    assert.equal(ks2.body.data.term, 2);
    assert.equal((await api(s, 'PUT', 'kv/after', { token: root, body: { v: 'new-term' } })).status, 204);
    assert.equal((await api(s, 'GET', 'kv/before', { token: root })).body.data.v, 'old-term');
    assert.equal((await api(s, 'GET', 'kv/after', { token: root })).body.data.v, 'new-term');
  });

  it('sys/rotate and sys/seal need sudo', async () => {
    await api(s, 'PUT', 'sys/policies/acl/rot', { token: root, body: { policy: 'path "sys/rotate" { capabilities = ["update"] }\npath "sys/seal" { capabilities = ["update"] }' } });
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['rot'] } })).body.auth.client_token;
    const r = await api(s, 'PUT', 'sys/rotate', { token: t });
    assert.equal(r.status, 403);
    assert.ok(r.body.errors.join(' ').includes('permission denied'));
    assert.equal((await api(s, 'PUT', 'sys/seal', { token: t })).status, 403);
    assert.equal((await api(s, 'GET', 'sys/health')).status, 200);
  });

  it('sys/seal then unseal again; data and rotation survive', async () => {
    assert.equal((await api(s, 'PUT', 'sys/seal', { token: root })).status, 204);
    const st = (await api(s, 'GET', 'sys/seal-status')).body;
    assert.equal(st.sealed, true);
    assert.equal(st.progress, 0);
    assert.equal((await api(s, 'GET', 'sys/health')).status, 503);
    const k = await api(s, 'GET', 'kv/before', { token: root });
    assert.equal(k.status, 503);
    await api(s, 'PUT', 'sys/unseal', { body: { key: keysB64[3] } });
    await api(s, 'PUT', 'sys/unseal', { body: { key: keys[1] } });
    const u = (await api(s, 'PUT', 'sys/unseal', { body: { key: keysB64[0] } })).body;
    assert.equal(u.sealed, false);
    assert.equal((await api(s, 'GET', 'kv/before', { token: root })).body.data.v, 'old-term');
    assert.equal((await api(s, 'GET', 'kv/after', { token: root })).body.data.v, 'new-term');
    assert.equal((await api(s, 'GET', 'sys/key-status', { token: root })).body.data.term, 2);
  });
});

describe('secret_shares 1 returns the unsplit 32-byte key', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ dev: false });
  });
  after(async () => {
    await s.close();
  });
  it('init 1/1, one call unseals', async () => {
    const r = await api(s, 'POST', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    assert.equal(r.status, 200);
    assert.match(r.body.keys[0], /^[0-9a-f]{64}$/);
    const u = await api(s, 'POST', 'sys/unseal', { body: { key: r.body.keys_base64[0] } });
    assert.equal(u.body.sealed, false);
  });
});
