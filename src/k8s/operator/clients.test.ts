import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelope, startFakeServer, type FakeRequest } from '../../api/fake-server.js';
import { WardClients, type LoginTarget } from './clients.js';

async function fakeWard() {
  let n = 0;
  const revoked = new Set<string>();
  const logins: FakeRequest[] = [];
  const srv = await startFakeServer((r) => {
    if (r.path === 'auth/k8s/login') {
      logins.push(r);
      n += 1;
      return { status: 200, body: envelope(null, { auth: { client_token: `tok-${n}`, lease_duration: 100, renewable: true, policies: [], token_policies: [], metadata: {}, accessor: 'a', entity_id: '', token_type: 'service', orphan: true } }) };
    }
    if (r.path === 'secret/data/app') {
      const t = String(r.headers['x-vault-token'] ?? '');
      if (revoked.has(t)) return { status: 403, body: { errors: ['permission denied'] } };
      return { status: 200, body: envelope({ data: { token: t }, metadata: {} }) };
    }
    return undefined;
  });
  return { ...srv, logins, revoked };
}

const target = (url: string): LoginTarget => ({
  connection: { address: url, headers: { 'X-Team': 'a' }, tlsServerName: undefined, caCertSecretRef: undefined, caCertPath: undefined, skipTLSVerify: false, timeoutMs: undefined },
  caPem: undefined,
  auth: { vaultConnectionRef: undefined, namespace: undefined, method: 'kubernetes', mount: 'k8s', allowedNamespaces: undefined, params: { extra: 'x' }, headers: { 'X-Auth': 'b' }, kubernetes: { role: 'app', serviceAccount: 'app-sa', audiences: ['vault'], tokenExpirationSeconds: 600 } },
  authKey: 'ward/default@1',
  namespace: 'apps',
});

test('one login per VaultAuth and service account, with a TokenRequest for that account; cached until near expiry', async (t) => {
  const w = await fakeWard();
  t.after(() => w.close());
  let now = 1_000_000;
  const minted: unknown[] = [];
  const clients = new WardClients({ mintToken: async (r) => { minted.push(r); return `jwt-${minted.length}`; }, now: () => now });
  t.after(() => clients.close());
  const read = (c: Parameters<Parameters<WardClients['run']>[1]>[0]) => c.get('secret/data/app');
  const r1 = await clients.run(target(w.url), read);
  assert.equal((r1.body?.data as { data: { token: string } }).data.token, 'tok-1');
  await clients.run(target(w.url), read);
  assert.equal(w.logins.length, 1, 'the token is cached');
  assert.deepEqual(minted, [{ namespace: 'apps', serviceAccount: 'app-sa', audiences: ['vault'], expirationSeconds: 600 }]);
  assert.deepEqual(w.logins[0]?.body, { extra: 'x', role: 'app', jwt: 'jwt-1' });
  assert.equal(w.logins[0]?.headers['x-vault-token'], undefined, 'a login carries no token');
  assert.equal(w.logins[0]?.headers['x-team'], 'a', 'the connection headers go with every request');
  assert.equal(w.logins[0]?.headers['x-auth'], 'b', 'and the VaultAuth headers');
  // Another namespace is another service account: a login of its own.
  await clients.run({ ...target(w.url), namespace: 'other' }, read);
  assert.equal(w.logins.length, 2);
  now += 95_000; // past 80% of the 100 s lease
  const r3 = await clients.run(target(w.url), read);
  assert.equal((r3.body?.data as { data: { token: string } }).data.token, 'tok-3', 're-logged in when expiring');
});

test('a resource\'s own Ward namespace overrides the VaultAuth\'s for its reads, not for the login', async (t) => {
  const w = await fakeWard();
  t.after(() => w.close());
  const clients = new WardClients({ mintToken: async () => 'jwt' });
  t.after(() => clients.close());
  const tg = target(w.url);
  await clients.run({ ...tg, auth: { ...tg.auth, namespace: 'team' } }, (c) => c.get('secret/data/app', undefined, 'team/sub'));
  assert.equal(w.logins[0]?.headers['x-vault-namespace'], 'team');
  const read = w.requests.find((r) => r.path === 'secret/data/app');
  assert.equal(read?.headers['x-vault-namespace'], 'team/sub');
});

test('a cached token refused with 403 is replaced once, never in a loop', async (t) => {
  const w = await fakeWard();
  t.after(() => w.close());
  const clients = new WardClients({ mintToken: async () => 'jwt' });
  t.after(() => clients.close());
  await clients.run(target(w.url), (c) => c.get('secret/data/app'));
  w.revoked.add('tok-1');
  const r = await clients.run(target(w.url), (c) => c.get('secret/data/app'));
  assert.equal((r.body?.data as { data: { token: string } }).data.token, 'tok-2');
  w.revoked.add('tok-2');
  w.revoked.add('tok-3');
  await assert.rejects(clients.run(target(w.url), (c) => c.get('secret/data/app')), /permission denied/);
  assert.equal(w.logins.length, 3, 'exactly one re-login');
});

test('a refused login names the mount and role, never the JWT', async (t) => {
  const srv = await startFakeServer((r) => (r.path === 'auth/k8s/login' ? { status: 400, body: { errors: ['invalid role name "app"'] } } : undefined));
  t.after(() => srv.close());
  const clients = new WardClients({ mintToken: async () => 'secret-jwt' });
  t.after(() => clients.close());
  await assert.rejects(clients.run(target(srv.url), (c) => c.get('x')), (e: Error) => {
    assert.equal(e.message, 'login to auth/k8s/login with role "app" as service account apps/app-sa failed: invalid role name "app"');
    assert.doesNotMatch(e.message, /secret-jwt/);
    return true;
  });
});

async function loginStub() {
  const logins: FakeRequest[] = [];
  const srv = await startFakeServer((r) => {
    if (r.path.endsWith('/login')) {
      logins.push(r);
      return { status: 200, body: envelope(null, { auth: { client_token: `tok-${logins.length}`, accessor: `acc-${logins.length}`, lease_duration: 3600, renewable: true, policies: [], token_policies: [], metadata: {}, entity_id: '', token_type: 'service', orphan: true } }) };
    }
    if (r.path === 'secret/data/app') return { status: 200, body: envelope({ data: {}, metadata: {} }) };
    return undefined;
  });
  return { ...srv, logins };
}

const secrets = (m: Record<string, Record<string, string>>) => async (ns: string, name: string) => m[`${ns}/${name}`];

test('appRole: role_id from the spec and secret_id from the Secret\'s "id" in the resource\'s namespace, with the VaultAuth\'s params and headers', async (t) => {
  const w = await loginStub();
  t.after(() => w.close());
  const clients = new WardClients({ mintToken: async () => assert.fail('no TokenRequest for appRole'), readSecret: secrets({ 'apps/approle-secret': { id: 'sid-1' } }) });
  t.after(() => clients.close());
  const tg = target(w.url);
  const auth = { ...tg.auth, method: 'appRole' as const, mount: 'approle', kubernetes: undefined, appRole: { roleId: 'rid-1', secretRef: 'approle-secret' } };
  await clients.run({ ...tg, auth }, (c) => c.get('secret/data/app'));
  assert.equal(w.logins[0]?.path, 'auth/approle/login');
  assert.deepEqual(w.logins[0]?.body, { extra: 'x', role_id: 'rid-1', secret_id: 'sid-1' });
  assert.equal(w.logins[0]?.headers['x-auth'], 'b');
  assert.equal(w.logins[0]?.headers['x-vault-token'], undefined);
});

test('appRole: a missing Secret or one without "id" is an error saying so, and nothing is sent to Ward', async (t) => {
  const w = await loginStub();
  t.after(() => w.close());
  const clients = new WardClients({ mintToken: async () => 'jwt', readSecret: secrets({ 'apps/no-id': { other: 'x' } }) });
  t.after(() => clients.close());
  const tg = target(w.url);
  const auth = (secretRef: string) => ({ ...tg.auth, method: 'appRole' as const, mount: 'approle', kubernetes: undefined, appRole: { roleId: 'rid-1', secretRef } });
  await assert.rejects(clients.run({ ...tg, auth: auth('gone') }, (c) => c.get('x')), { message: 'appRole secretRef: Secret apps/gone not found' });
  await assert.rejects(clients.run({ ...tg, auth: auth('no-id') }, (c) => c.get('x')), { message: 'appRole secretRef: Secret apps/no-id has no key "id"' });
  assert.equal(w.logins.length, 0);
});

test('jwt: role and the Secret\'s "jwt", or a TokenRequest for the service account with its audiences', async (t) => {
  const w = await loginStub();
  t.after(() => w.close());
  const minted: unknown[] = [];
  const clients = new WardClients({ mintToken: async (r) => { minted.push(r); return 'sa-jwt'; }, readSecret: secrets({ 'apps/jwt-secret': { jwt: 'secret-jwt' } }) });
  t.after(() => clients.close());
  const tg = target(w.url);
  const base = { ...tg.auth, method: 'jwt' as const, mount: 'jwt', params: {}, kubernetes: undefined };
  await clients.run({ ...tg, auth: { ...base, jwt: { role: 'r', secretRef: 'jwt-secret', serviceAccount: undefined, audiences: [], tokenExpirationSeconds: 600 } } }, (c) => c.get('secret/data/app'));
  await clients.run({ ...tg, auth: { ...base, jwt: { role: 'r', secretRef: undefined, serviceAccount: 'app', audiences: ['ward'], tokenExpirationSeconds: 900 } } }, (c) => c.get('secret/data/app'));
  assert.deepEqual(w.logins.map((l) => [l.path, l.body]), [['auth/jwt/login', { role: 'r', jwt: 'secret-jwt' }], ['auth/jwt/login', { role: 'r', jwt: 'sa-jwt' }]]);
  assert.deepEqual(minted, [{ namespace: 'apps', serviceAccount: 'app', audiences: ['ward'], expirationSeconds: 900 }]);
});
