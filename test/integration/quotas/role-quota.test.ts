/**
 * Role-scoped rate-limit quotas over a real socket: a quota with `path` an auth mount and
 * `role` a role name limits the logins to that mount that resolve to that role (approle:
 * by role_id), with Vault's 429 text and Retry-After; another role on the same mount and
 * the mount's other paths are not limited. Writing a role quota on a mount without roles
 * answers Vault's text.
 */
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, enableAll, startTestServer, type TestServer } from '../../helpers/server.js';

describe('role-scoped rate-limit quotas (approle)', () => {
  let s: TestServer;
  const creds: Record<string, { role_id: string; secret_id: string }> = {};
  const login = (role: string): Promise<Response> =>
    fetch(`${s.url}/v1/auth/approle/login`, { method: 'POST', body: JSON.stringify(creds[role]) });

  before(async () => {
    s = await startTestServer();
    await enableAll(s, s.rootToken, [['sys/auth/approle', 'approle'], ['sys/auth/userpass', 'userpass']]);
    for (const role of ['web', 'db']) {
      assert.equal((await api(s, 'PUT', `auth/approle/role/${role}`, { token: s.rootToken, body: { token_policies: 'default', secret_id_num_uses: 0 } })).status, 204);
      const roleId = (await api(s, 'GET', `auth/approle/role/${role}/role-id`, { token: s.rootToken })).body.data.role_id;
      const secretId = (await api(s, 'PUT', `auth/approle/role/${role}/secret-id`, { token: s.rootToken })).body.data.secret_id;
      creds[role] = { role_id: roleId, secret_id: secretId };
    }
  });
  after(async () => {
    await s.close();
  });

  it('stores the quota on the auth mount with its role', async () => {
    const w = await api(s, 'PUT', 'sys/quotas/rate-limit/web-logins', { token: s.rootToken, body: { path: 'auth/approle', role: 'web', rate: 2, interval: '1h' } });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    const r = await api(s, 'GET', 'sys/quotas/rate-limit/web-logins', { token: s.rootToken });
    assert.deepEqual(r.body.data, { name: 'web-logins', type: 'rate-limit', path: 'auth/approle/', rate: 2, interval: 3600, block_interval: 0, role: 'web', inheritable: false });
  });

  it("limits the role's logins only: 429 with Vault's text and Retry-After", async () => {
    for (let i = 0; i < 2; i++) assert.equal((await login('web')).status, 200);
    const refused = await login('web');
    assert.equal(refused.status, 429);
    assert.deepEqual(await refused.json(), { errors: ['request path "auth/approle/login": rate limit quota exceeded'] });
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, String(refused.headers.get('retry-after')));
    // Another role on the same mount is not limited, nor are the mount's other paths.
    for (let i = 0; i < 4; i++) assert.equal((await login('db')).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await api(s, 'LIST', 'auth/approle/role', { token: s.rootToken })).status, 200);
    // A bad role_id resolves no role: it reaches the backend and gets its answer.
    const bad = await fetch(`${s.url}/v1/auth/approle/login`, { method: 'POST', body: JSON.stringify({ role_id: 'nope', secret_id: 'x' }) });
    assert.equal(bad.status, 400);
  });

  it('the mount quota still applies to the other roles, and deleting the role quota lifts it', async () => {
    assert.equal((await api(s, 'PUT', 'sys/quotas/rate-limit/mount', { token: s.rootToken, body: { path: 'auth/approle/', rate: 1, interval: '1h' } })).status, 204);
    assert.equal((await login('db')).status, 200);
    assert.equal((await login('db')).status, 429);
    assert.equal((await api(s, 'DELETE', 'sys/quotas/rate-limit/mount', { token: s.rootToken })).status, 204);
    assert.equal((await api(s, 'DELETE', 'sys/quotas/rate-limit/web-logins', { token: s.rootToken })).status, 204);
    assert.equal((await login('web')).status, 200);
  });

  it("a lease-count quota with a role counts that role's live login tokens; a revocation makes room", async () => {
    const w = await api(s, 'PUT', 'sys/quotas/lease-count/web-tokens', { token: s.rootToken, body: { path: 'auth/approle/', role: 'web', max_leases: 2 } });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    assert.equal((await api(s, 'GET', 'sys/quotas/lease-count/web-tokens', { token: s.rootToken })).body.data.role, 'web');
    const accessors: string[] = [];
    for (let i = 0; i < 2; i++) {
      const ok = await login('web');
      assert.equal(ok.status, 200);
      accessors.push(((await ok.json()) as { auth: { accessor: string } }).auth.accessor);
    }
    const refused = await login('web');
    assert.equal(refused.status, 429);
    assert.deepEqual(await refused.json(), { errors: ['1 error occurred:\n\t* request path "auth/approle/login": lease count quota exceeded\n\n'] });
    for (let i = 0; i < 3; i++) assert.equal((await login('db')).status, 200, 'another role is not counted');
    assert.equal((await api(s, 'PUT', 'auth/token/revoke-accessor', { token: s.rootToken, body: { accessor: accessors[0] } })).status, 204);
    assert.equal((await login('web')).status, 200);
    assert.equal((await login('web')).status, 429);
    assert.equal((await api(s, 'DELETE', 'sys/quotas/lease-count/web-tokens', { token: s.rootToken })).status, 204);
    assert.equal((await login('web')).status, 200);
  });

  it("a lease-count quota on an auth mount (no role) counts the mount's live login tokens, as Vault", async () => {
    assert.equal((await api(s, 'PUT', 'sys/quotas/lease-count/approle-tokens', { token: s.rootToken, body: { path: 'auth/approle/', max_leases: 3 } })).status, 204);
    const accessors: string[] = [];
    for (const role of ['web', 'db', 'web']) {
      const ok = await login(role);
      assert.equal(ok.status, 200);
      accessors.push(((await ok.json()) as { auth: { accessor: string } }).auth.accessor);
    }
    const refused = await login('db');
    assert.equal(refused.status, 429);
    assert.deepEqual(await refused.json(), { errors: ['1 error occurred:\n\t* request path "auth/approle/login": lease count quota exceeded\n\n'] });
    // Only logins count: managing the mount is not refused.
    assert.equal((await api(s, 'LIST', 'auth/approle/role', { token: s.rootToken })).status, 200);
    assert.equal((await api(s, 'PUT', 'auth/token/revoke-accessor', { token: s.rootToken, body: { accessor: accessors[1] } })).status, 204);
    assert.equal((await login('db')).status, 200);
    assert.equal((await login('web')).status, 429);
    assert.equal((await api(s, 'DELETE', 'sys/quotas/lease-count/approle-tokens', { token: s.rootToken })).status, 204);
    assert.equal((await login('web')).status, 200);
  });

  it('concurrent logins of the role cannot overshoot its lease-count quota', async () => {
    assert.equal((await api(s, 'PUT', 'sys/quotas/lease-count/db-tokens', { token: s.rootToken, body: { path: 'auth/approle/', role: 'db', max_leases: 2 } })).status, 204);
    const statuses = (await Promise.all([0, 1, 2, 3, 4, 5].map(() => login('db')))).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429]);
    assert.equal((await api(s, 'DELETE', 'sys/quotas/lease-count/db-tokens', { token: s.rootToken })).status, 204);
  });

  it("refuses a role quota on a method without roles, with Vault's text", async () => {
    for (const type of ['rate-limit', 'lease-count']) {
      const r = await api(s, 'PUT', `sys/quotas/${type}/up`, { token: s.rootToken, body: { path: 'auth/userpass/', role: 'r', rate: 1, max_leases: 1 } });
      assert.deepEqual([r.status, r.body], [400, { errors: ['Mount path "auth/userpass/" does not support use with role-based quotas'] }]);
    }
  });
});

describe('role-scoped rate-limit quotas (kubernetes, jwt): keyed on the role the login names', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await enableAll(s, s.rootToken, [['sys/auth/kubernetes', 'kubernetes'], ['sys/auth/jwt', 'jwt']]);
    // jwt resolves a role only once configured, as Vault's (its resolver loads the config first).
    const pubkey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal((await api(s, 'PUT', 'auth/jwt/config', { token: s.rootToken, body: { jwt_validation_pubkeys: [pubkey] } })).status, 204);
    for (const role of ['web', 'db']) {
      const k = await api(s, 'PUT', `auth/kubernetes/role/${role}`, { token: s.rootToken, body: { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod', audience: 'ward' } });
      assert.ok([200, 204].includes(k.status), JSON.stringify(k.body));
      const j = await api(s, 'PUT', `auth/jwt/role/${role}`, { token: s.rootToken, body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'ward' } });
      assert.equal(j.status, 204, JSON.stringify(j.body));
    }
  });
  after(async () => {
    await s.close();
  });

  for (const mount of ['kubernetes', 'jwt']) {
    it(`${mount}: the quota counts the role's login attempts, whatever the backend answers; other roles pass`, async () => {
      assert.equal((await api(s, 'PUT', `sys/quotas/rate-limit/${mount}-web`, { token: s.rootToken, body: { path: `auth/${mount}/`, role: 'web', rate: 1, interval: '1h' } })).status, 204);
      const attempt = (role: string) => api(s, 'PUT', `auth/${mount}/login`, { body: { role, jwt: 'e30.e30.c2ln' } });
      // No config, a bogus JWT: the backend refuses the login, but the attempt reached it and counts.
      assert.notEqual((await attempt('web')).status, 429);
      const refused = await attempt('web');
      assert.deepEqual([refused.status, refused.body], [429, { errors: [`request path "auth/${mount}/login": rate limit quota exceeded`] }]);
      for (let i = 0; i < 3; i++) assert.notEqual((await attempt('db')).status, 429);
    });
  }
});
