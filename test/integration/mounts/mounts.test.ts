/**
 * Secrets-engine and auth mount tables over HTTP, and the KV preflight the vault CLI and
 * Agent templates run before every KV call.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';


describe('sys/mounts', () => {
  let s: TestServer;
  let root = '';
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
  });
  after(async () => {
    await s.close();
  });

  it('lists the built-in mounts with the envelope and top-level injection', async () => {
    const r = await api(s, 'GET', 'sys/mounts', { token: root });
    assert.equal(r.status, 200);
    for (const p of ['secret/', 'cubbyhole/', 'sys/', 'identity/']) {
      assert.ok(r.body.data[p], `data has ${p}`);
      assert.ok(r.body[p], `top level has ${p}`);
    }
    assert.equal(r.body.data['secret/'].type, 'kv');
    assert.equal(r.body.data['secret/'].options.version, '2');
    assert.equal(r.body.data['cubbyhole/'].type, 'cubbyhole');
    assert.equal(r.body.data['cubbyhole/'].local, true);
    assert.equal(r.body.data['sys/'].type, 'system');
    assert.match(r.body.data['secret/'].accessor, /^kv_[0-9a-f]{8}$/);
    for (const k of ['request_id', 'lease_id', 'renewable', 'lease_duration', 'wrap_info', 'warnings', 'auth']) assert.ok(k in r.body, k);
  });

  it('enable kv v1, read it back, tune, read tune with effective TTLs', async () => {
    const e = await api(s, 'POST', 'sys/mounts/kv1', { token: root, body: { type: 'kv', description: 'v1 store', options: { version: '1' } } });
    assert.equal(e.status, 204);
    const r = await api(s, 'GET', 'sys/mounts/kv1', { token: root });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.type, 'kv');
    assert.equal(r.body.data.description, 'v1 store');
    assert.equal(r.body.data.options.version, '1');
    const t0 = await api(s, 'GET', 'sys/mounts/kv1/tune', { token: root });
    assert.equal(t0.status, 200);
    assert.equal(t0.body.data.default_lease_ttl, 2764800);
    assert.equal(t0.body.data.max_lease_ttl, 2764800);
    assert.equal((await api(s, 'POST', 'sys/mounts/kv1/tune', { token: root, body: { default_lease_ttl: '1h', max_lease_ttl: 7200, description: 'tuned' } })).status, 204);
    const t1 = await api(s, 'GET', 'sys/mounts/kv1/tune', { token: root });
    assert.equal(t1.body.data.default_lease_ttl, 3600);
    assert.equal(t1.body.data.max_lease_ttl, 7200);
    assert.equal(t1.body.data.description, 'tuned');
    const list = await api(s, 'GET', 'sys/mounts', { token: root });
    assert.equal(list.body.data['kv1/'].config.default_lease_ttl, 3600);
  });

  it('kv-v2 alias and options.version as a number are stored as version "2"', async () => {
    assert.equal((await api(s, 'POST', 'sys/mounts/alias2', { token: root, body: { type: 'kv-v2' } })).status, 204);
    assert.equal((await api(s, 'POST', 'sys/mounts/num2', { token: root, body: { type: 'kv', options: { version: 2 } } })).status, 204);
    const m = (await api(s, 'GET', 'sys/mounts', { token: root })).body.data;
    assert.equal(m['alias2/'].type, 'kv');
    assert.equal(m['alias2/'].options.version, '2');
    assert.equal(m['num2/'].options.version, '2');
    // And they really behave as v2.
    const w = await api(s, 'POST', 'num2/data/a', { token: root, body: { data: { x: '1' } } });
    assert.equal(w.status, 200);
    assert.equal(w.body.data.version, 1);
  });

  it('conflicts → 400 path is already in use at', async () => {
    const same = await api(s, 'POST', 'sys/mounts/kv1', { token: root, body: { type: 'kv' } });
    assert.equal(same.status, 400);
    assert.ok(errText(same).includes('path is already in use at kv1/'), errText(same));
    const nested = await api(s, 'POST', 'sys/mounts/kv1/deeper', { token: root, body: { type: 'kv' } });
    assert.equal(nested.status, 400);
    assert.ok(errText(nested).includes('path is already in use at'), errText(nested));
    await api(s, 'POST', 'sys/mounts/a/b', { token: root, body: { type: 'kv' } });
    const parent = await api(s, 'POST', 'sys/mounts/a', { token: root, body: { type: 'kv' } });
    assert.equal(parent.status, 400);
    assert.ok(errText(parent).includes('path is already in use at'), errText(parent));
  });

  it('reserved paths and singleton types are refused; unknown type 400', async () => {
    for (const p of ['sys/x', 'auth/x', 'cubbyhole/x', 'identity/x', 'audit/x']) {
      const r = await api(s, 'POST', `sys/mounts/${p}`, { token: root, body: { type: 'kv' } });
      assert.ok(r.status === 400 || r.status === 403, `${p}: ${r.status}`);
    }
    const c = await api(s, 'POST', 'sys/mounts/mycubby', { token: root, body: { type: 'cubbyhole' } });
    assert.equal(c.status, 400);
    const u = await api(s, 'POST', 'sys/mounts/nope', { token: root, body: { type: 'no-such-engine' } });
    assert.equal(u.status, 400);
    const missing = await api(s, 'POST', 'sys/mounts/notype', { token: root, body: {} });
    assert.equal(missing.status, 400);
    assert.equal((await api(s, 'GET', 'sys/mounts/nope', { token: root })).status >= 400, true);
  });

  it('system mounts cannot be disabled', async () => {
    for (const p of ['sys', 'cubbyhole', 'identity']) {
      const r = await api(s, 'DELETE', `sys/mounts/${p}`, { token: root });
      assert.equal(r.status, 400, `${p}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await api(s, 'DELETE', 'sys/auth/token', { token: root })).status, 400);
  });

  it('disabling a mount deletes its data: re-enable at the same path is empty', async () => {
    await api(s, 'POST', 'sys/mounts/gone', { token: root, body: { type: 'kv', options: { version: '1' } } });
    assert.equal((await api(s, 'PUT', 'gone/k', { token: root, body: { v: 'x' } })).status, 204);
    assert.equal((await api(s, 'GET', 'gone/k', { token: root })).status, 200);
    assert.equal((await api(s, 'DELETE', 'sys/mounts/gone', { token: root })).status, 204);
    const after = await api(s, 'GET', 'gone/k', { token: root });
    assert.equal(after.status, 404);
    assert.equal((await api(s, 'GET', 'sys/mounts', { token: root })).body.data['gone/'], undefined);
    await api(s, 'POST', 'sys/mounts/gone', { token: root, body: { type: 'kv', options: { version: '1' } } });
    assert.equal((await api(s, 'GET', 'gone/k', { token: root })).status, 404);
    assert.equal((await api(s, 'LIST', 'gone/', { token: root })).status, 404);
    // Same for a v2 mount.
    await api(s, 'POST', 'sys/mounts/gone2', { token: root, body: { type: 'kv-v2' } });
    await api(s, 'POST', 'gone2/data/k', { token: root, body: { data: { v: 1 } } });
    await api(s, 'DELETE', 'sys/mounts/gone2', { token: root });
    await api(s, 'POST', 'sys/mounts/gone2', { token: root, body: { type: 'kv-v2' } });
    assert.equal((await api(s, 'GET', 'gone2/data/k', { token: root })).status, 404);
    assert.equal((await api(s, 'GET', 'gone2/metadata/k', { token: root })).status, 404);
  });

  it('sys/remount moves a mount with its data', async () => {
    await api(s, 'POST', 'sys/mounts/moveme', { token: root, body: { type: 'kv-v2' } });
    await api(s, 'POST', 'moveme/data/a', { token: root, body: { data: { x: 1 } } });
    const r = await api(s, 'POST', 'sys/remount', { token: root, body: { from: 'moveme', to: 'moved' } });
    assert.equal(r.status, 200);
    assert.ok(r.body.data.migration_id);
    assert.deepEqual((await api(s, 'GET', 'moved/data/a', { token: root })).body.data.data, { x: 1 });
    assert.equal((await api(s, 'GET', 'moveme/data/a', { token: root })).status, 404);
    const m = (await api(s, 'GET', 'sys/mounts', { token: root })).body.data;
    assert.equal(m['moveme/'], undefined);
    assert.equal(m['moved/'].options.version, '2');
    const clash = await api(s, 'POST', 'sys/remount', { token: root, body: { from: 'moved', to: 'kv1' } });
    assert.equal(clash.status, 400);
    assert.equal((await api(s, 'POST', 'sys/remount', { token: root, body: { from: 'cubbyhole', to: 'c2' } })).status, 400);
  });

  it('KV v1 → v2 upgrade via tune keeps the data', async () => {
    await api(s, 'POST', 'sys/mounts/upg', { token: root, body: { type: 'kv', options: { version: '1' } } });
    await api(s, 'PUT', 'upg/a', { token: root, body: { x: '1' } });
    const t = await api(s, 'POST', 'sys/mounts/upg/tune', { token: root, body: { options: { version: '2' } } });
    assert.equal(t.status, 204, JSON.stringify(t.body));
    const r = await api(s, 'GET', 'upg/data/a', { token: root });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.data, { x: '1' });
  });

  it('an unmounted path: root gets 404, a non-root token gets 403', async () => {
    const r = await api(s, 'GET', 'nothing-here/x', { token: root });
    assert.equal(r.status, 404);
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'] } })).body.auth.client_token;
    const d = await api(s, 'GET', 'nothing-here/x', { token: t });
    assert.equal(d.status, 403);
    assert.ok(errText(d).includes('permission denied'));
  });

  it('mount writes need a token with rights on sys/mounts', async () => {
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'] } })).body.auth.client_token;
    const r = await api(s, 'POST', 'sys/mounts/sneaky', { token: t, body: { type: 'kv' } });
    assert.equal(r.status, 403);
    assert.equal((await api(s, 'POST', 'sys/mounts/sneaky', { body: { type: 'kv' } })).status, 403);
  });
});

describe('sys/auth', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('token/ is present with config.token_type default-service, injected top level', async () => {
    const r = await api(s, 'GET', 'sys/auth', { token: s.rootToken });
    assert.equal(r.status, 200);
    assert.equal(r.body.data['token/'].type, 'token');
    assert.equal(r.body.data['token/'].config.token_type, 'default-service');
    assert.match(r.body.data['token/'].accessor, /^auth_token_[0-9a-f]{8}$/);
    assert.equal(r.body['token/'].type, 'token');
  });

  it('sys/auth reads and tune work on token/', async () => {
    const t = await api(s, 'GET', 'sys/auth/token/tune', { token: s.rootToken });
    assert.equal(t.status, 200);
    assert.equal(t.body.data.default_lease_ttl, 2764800);
  });

  it('sys/auth/* writes need sudo', async () => {
    await api(s, 'PUT', 'sys/policies/acl/authw', { token: s.rootToken, body: { policy: 'path "sys/auth/*" { capabilities = ["create","update","read","delete"] }' } });
    const t = (await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['authw'] } })).body.auth.client_token;
    const r = await api(s, 'POST', 'sys/auth/token/tune', { token: t, body: { default_lease_ttl: '1h' } });
    assert.equal(r.status, 403);
  });
});

describe('sys/internal/ui/mounts (KV preflight)', () => {
  let s: TestServer;
  let appToken = '';
  let noneToken = '';
  before(async () => {
    s = await startTestServer();
    const root = s.rootToken;
    await api(s, 'PUT', 'sys/policies/acl/app', { token: root, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' } });
    appToken = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['app'] } })).body.auth.client_token;
    noneToken = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'] } })).body.auth.client_token;
    await api(s, 'POST', 'sys/mounts/old', { token: root, body: { type: 'kv', options: { version: '1' } } });
  });
  after(async () => {
    await s.close();
  });

  it('root: data.path and data.options.version "2" for secret/', async () => {
    const r = await api(s, 'GET', 'sys/internal/ui/mounts/secret/app/db', { token: s.rootToken });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.path, 'secret/');
    assert.equal(r.body.data.type, 'kv');
    assert.equal(r.body.data.options.version, '2');
    const v1 = await api(s, 'GET', 'sys/internal/ui/mounts/old/x', { token: s.rootToken });
    assert.equal(v1.body.data.path, 'old/');
    assert.equal(v1.body.data.options.version, '1');
  });

  it('a token whose policy only grants secret/data/app/* passes the preflight', async () => {
    const r = await api(s, 'GET', 'sys/internal/ui/mounts/secret/app/db', { token: appToken });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.data.path, 'secret/');
    assert.equal(r.body.data.options.version, '2');
    assert.equal((await api(s, 'GET', 'secret/data/app/db', { token: appToken })).status, 404);
  });

  it('no access → 403 with the preflight message; no mount → the same; no token → 403 permission denied', async () => {
    const preflight = (path: string) => ({ errors: ['permission denied', `preflight capability check returned 403, please ensure client's policies grant access to path "${path}"`] });
    const r = await api(s, 'GET', 'sys/internal/ui/mounts/secret/app/db', { token: noneToken });
    assert.deepEqual([r.status, r.body], [403, preflight('secret/app/db/')]);
    const other = await api(s, 'GET', 'sys/internal/ui/mounts/old/x', { token: appToken });
    assert.deepEqual([other.status, other.body], [403, preflight('old/x/')]);
    const none = await api(s, 'GET', 'sys/internal/ui/mounts/not-a-mount/x', { token: s.rootToken });
    assert.deepEqual([none.status, none.body], [403, preflight('not-a-mount/x/')]);
    const anon = await api(s, 'GET', 'sys/internal/ui/mounts/secret/x');
    assert.deepEqual([anon.status, anon.body], [403, { errors: ['permission denied'] }]);
  });

  it('the listing is unauthenticated and shows only what the token can reach', async () => {
    const anon = await api(s, 'GET', 'sys/internal/ui/mounts');
    assert.equal(anon.status, 200);
    assert.deepEqual(Object.keys(anon.body.data.secret), []);
    const app = await api(s, 'GET', 'sys/internal/ui/mounts', { token: appToken });
    assert.ok(app.body.data.secret['secret/']);
    assert.equal(app.body.data.secret['old/'], undefined);
    const rootView = await api(s, 'GET', 'sys/internal/ui/mounts', { token: s.rootToken });
    assert.ok(rootView.body.data.secret['old/']);
    assert.ok(rootView.body.data.auth['token/']);
  });

  it('listing_visibility unauth makes a mount visible without a token', async () => {
    await api(s, 'POST', 'sys/mounts/old/tune', { token: s.rootToken, body: { listing_visibility: 'unauth' } });
    const anon = await api(s, 'GET', 'sys/internal/ui/mounts');
    assert.ok(anon.body.data.secret['old/']);
  });
});
