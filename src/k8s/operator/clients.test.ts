import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelope, startFakeServer, type FakeRequest } from '../../api/fake-server.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { WardClients, type LoginTarget, type TokenStore } from './clients.js';
import type { CachedToken } from './token-cache.js';

const authBlock = (token: string, ttl: number, renewable = true) => ({ client_token: token, lease_duration: ttl, renewable, policies: [], token_policies: [], metadata: {}, accessor: `acc-${token}`, entity_id: '', token_type: 'service', orphan: true });

async function fakeWard(o: { ttl?: number; renewTtl?: number } = {}) {
  let n = 0;
  const revoked = new Set<string>();
  const logins: FakeRequest[] = [];
  const renewals: FakeRequest[] = [];
  const srv = await startFakeServer((r) => {
    const t = String(r.headers['x-vault-token'] ?? '');
    if (r.path === 'auth/k8s/login') {
      logins.push(r);
      n += 1;
      return { status: 200, body: envelope(null, { auth: authBlock(`tok-${n}`, o.ttl ?? 100) }) };
    }
    if (r.path === 'auth/token/renew-self') {
      renewals.push(r);
      if (revoked.has(t)) return { status: 403, body: { errors: ['permission denied'] } };
      return { status: 200, body: envelope(null, { auth: authBlock(t, o.renewTtl ?? o.ttl ?? 100) }) };
    }
    if (r.path === 'auth/token/lookup-self') {
      if (revoked.has(t) || !t.startsWith('tok-')) return { status: 403, body: { errors: ['permission denied'] } };
      return { status: 200, body: envelope({ accessor: `acc-${t}`, ttl: 50, renewable: true, id: t }) };
    }
    if (r.path === 'secret/data/app') {
      const t = String(r.headers['x-vault-token'] ?? '');
      if (revoked.has(t)) return { status: 403, body: { errors: ['permission denied'] } };
      return { status: 200, body: envelope({ data: { token: t }, metadata: {} }) };
    }
    return undefined;
  });
  return { ...srv, logins, revoked, renewals };
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
  now += 99_500; // in the last second of the 100 s TTL: too late to renew
  const r3 = await clients.run(target(w.url), read);
  assert.equal((r3.body?.data as { data: { token: string } }).data.token, 'tok-3', 're-logged in when expiring');
});

test('at 2/3 of its TTL a renewable token is renewed with renew-self (same token, no login); a refused or capped renewal leads to a login', async (t) => {
  const w = await fakeWard({ ttl: 90 });
  t.after(() => w.close());
  let now = 1_000_000;
  const clients = new WardClients({ mintToken: async () => 'jwt', now: () => now });
  t.after(() => clients.close());
  const read = (c: Parameters<Parameters<WardClients['run']>[1]>[0]) => c.get('secret/data/app');
  const token = async () => ((await clients.run(target(w.url), read)).body?.data as { data: { token: string } }).data.token;
  assert.equal(await token(), 'tok-1');
  now += 59_000;
  assert.equal(await token(), 'tok-1');
  assert.equal(w.renewals.length, 0, 'not yet due');
  now += 1_000;
  assert.equal(await token(), 'tok-1');
  assert.equal(w.renewals.length, 1, 'renewed at 2/3');
  assert.equal(w.renewals[0]?.headers['x-vault-token'], 'tok-1');
  assert.equal(w.renewals[0]?.method, 'POST');
  assert.equal(w.logins.length, 1);
  w.revoked.add('tok-1');
  now += 60_000;
  assert.equal(await token(), 'tok-2', 'a refused renewal: log in');
  assert.equal(w.logins.length, 2);
});

test('a renewal capped by max TTL (shorter than before) is used, and the next due time logs in instead of renewing', async (t) => {
  const w = await fakeWard({ ttl: 90, renewTtl: 30 });
  t.after(() => w.close());
  let now = 1_000_000;
  const clients = new WardClients({ mintToken: async () => 'jwt', now: () => now });
  t.after(() => clients.close());
  const read = (c: Parameters<Parameters<WardClients['run']>[1]>[0]) => c.get('secret/data/app');
  await clients.run(target(w.url), read);
  now += 60_000;
  await clients.run(target(w.url), read);
  assert.equal(w.renewals.length, 1);
  now += 20_000;
  await clients.run(target(w.url), read);
  assert.equal(w.renewals.length, 1, 'no second renewal');
  assert.equal(w.logins.length, 2);
});

test('tokens are renewed in the background at 2/3 of their TTL, without a reconcile asking', async (t) => {
  // 6 s: the renewal is due at 4 s and allowed until 5.4 s (a tenth before expiry). With 1 s the
  // timer had 233 ms to fire in, and on a loaded machine a later one finds nothing to renew.
  const w = await fakeWard({ ttl: 6 });
  t.after(() => w.close());
  const clients = new WardClients({ mintToken: async () => 'jwt' });
  t.after(() => clients.close());
  await clients.run(target(w.url), (c) => c.get('secret/data/app'));
  await waitFor('a background renew-self', () => w.renewals.length >= 1, { timeoutMs: 20_000 });
  assert.equal(w.logins.length, 1);
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

/** An in-memory TokenStore, as the encrypted Secret store looks from WardClients. */
function memoryStore(o: { failLoad?: Error } = {}) {
  const saved = new Map<string, CachedToken>();
  const store: TokenStore = {
    load: async (key) => {
      if (o.failLoad) throw o.failLoad;
      return saved.get(key);
    },
    save: async (key, _t, e) => { saved.set(key, { ...e }); },
    drop: async (key) => { saved.delete(key); },
  };
  return { store, saved };
}

test('with a token store, a restarted operator reuses the persisted token once lookup-self confirms it (no login)', async (t) => {
  const w = await fakeWard({ ttl: 3600 });
  t.after(() => w.close());
  const { store, saved } = memoryStore();
  const first = new WardClients({ mintToken: async () => 'jwt', store });
  await first.run(target(w.url), (c) => c.get('secret/data/app'));
  first.close();
  assert.equal(saved.size, 1);
  assert.equal([...saved.values()][0]?.token, 'tok-1');
  const second = new WardClients({ mintToken: async () => 'jwt', store });
  t.after(() => second.close());
  const r = await second.run(target(w.url), (c) => c.get('secret/data/app'));
  assert.equal((r.body?.data as { data: { token: string } }).data.token, 'tok-1');
  assert.equal(w.logins.length, 1, 'no second login');
  assert.ok(w.requests.some((q) => q.path === 'auth/token/lookup-self' && q.headers['x-vault-token'] === 'tok-1'));
  await second.run(target(w.url), (c) => c.get('secret/data/app'));
  assert.equal(w.requests.filter((q) => q.path === 'auth/token/lookup-self').length, 1, 'restored once, then served from memory');
});

test('a persisted token Ward no longer accepts is replaced by a login (and the store updated); a store that cannot decrypt falls back to login and says so', async (t) => {
  const w = await fakeWard({ ttl: 3600 });
  t.after(() => w.close());
  const { store, saved } = memoryStore();
  const first = new WardClients({ mintToken: async () => 'jwt', store });
  await first.run(target(w.url), (c) => c.get('secret/data/app'));
  first.close();
  w.revoked.add('tok-1');
  const logs: string[] = [];
  const second = new WardClients({ mintToken: async () => 'jwt', store, log: (m) => logs.push(m) });
  t.after(() => second.close());
  const r = await second.run(target(w.url), (c) => c.get('secret/data/app'));
  assert.equal((r.body?.data as { data: { token: string } }).data.token, 'tok-2');
  assert.equal([...saved.values()][0]?.token, 'tok-2');
  assert.ok(logs.some((l) => /persisted Ward token is no longer valid; logging in/.test(l)), logs.join('\n'));

  const broken = memoryStore({ failLoad: new Error('transit decrypt failed: cipher: message authentication failed') });
  const third = new WardClients({ mintToken: async () => 'jwt', store: broken.store, log: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`) });
  t.after(() => third.close());
  const r3 = await third.run(target(w.url), (c) => c.get('secret/data/app'));
  assert.equal((r3.body?.data as { data: { token: string } }).data.token, 'tok-3');
  assert.ok(logs.some((l) => /could not restore the persisted Ward token; logging in .*message authentication failed/.test(l)), logs.join('\n'));
  assert.ok(!logs.some((l) => /tok-/.test(l)), 'no token in the logs');
});
