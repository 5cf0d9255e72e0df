import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envelope, startFakeServer, type FakeRequest } from '../../api/fake-server.js';
import { PodAuth } from './auth.js';
import { PermissionDenied } from './errors.js';
import type { MountParams } from './params.js';

type Reply = { status: number; body?: unknown };

/** A Ward stand-in: logins mint tok-N (ttl 100 s); reads answer 403 for tokens in `revoked`. */
async function ward() {
  let n = 0;
  const revoked = new Set<string>();
  const logins: FakeRequest[] = [];
  const srv = await startFakeServer((r) => {
    if (r.path === 'auth/kubernetes/login') {
      logins.push(r);
      const jwt = (r.body as { jwt?: string }).jwt;
      if (jwt === 'bad-jwt') return { status: 403, body: { errors: ['permission denied'] } };
      return { status: 200, body: { auth: { client_token: `tok-${++n}`, lease_duration: 100 } } };
    }
    const token = String(r.headers['x-vault-token'] ?? '');
    if (revoked.has(token) || token === '') return { status: 403, body: { errors: ['permission denied'] } } satisfies Reply;
    return { status: 200, body: envelope({ token }) as never };
  });
  return { ...srv, revoked, logins };
}

const params = (url: string, o: Partial<MountParams> = {}): MountParams => ({
  roleName: 'web',
  address: url,
  namespace: '',
  authMount: 'kubernetes',
  audience: '',
  tls: { tlsSkipVerify: false },
  objects: [],
  pod: { name: 'web-0', namespace: 'app', uid: 'u1', serviceAccount: 'web' },
  saTokens: { vault: 'jwt-vault', '': 'jwt-api' },
  permission: 0o644,
  ...o,
});

const read = (auth: PodAuth, p: MountParams) => auth.run(p, async (c, token) => (await c.request('GET', 'secret/x', { token })).body?.data?.['token']);

test('the pod token is chosen by audience: the named one, else "vault", else the API server\'s', async (t) => {
  const w = await ward();
  t.after(() => w.close());
  const auth = new PodAuth({ cacheSize: 10 });
  t.after(() => auth.close());
  await read(auth, params(w.url, { audience: '' }));
  await read(auth, params(w.url, { pod: { name: 'p2', namespace: 'app', uid: 'u2', serviceAccount: 'web' }, saTokens: { '': 'jwt-api' } }));
  await read(auth, params(w.url, { pod: { name: 'p3', namespace: 'app', uid: 'u3', serviceAccount: 'web' }, audience: 'custom', saTokens: { custom: 'jwt-custom', vault: 'x' } }));
  assert.deepEqual(w.logins.map((l) => l.body), [
    { role: 'web', jwt: 'jwt-vault' },
    { role: 'web', jwt: 'jwt-api' },
    { role: 'web', jwt: 'jwt-custom' },
  ]);
  assert.ok(w.logins.every((l) => l.headers['x-vault-token'] === undefined), 'logins carry no token');
});

test('without a driver token it asks the TokenRequest path, or says which audience is missing', async (t) => {
  const w = await ward();
  t.after(() => w.close());
  const asked: string[] = [];
  const auth = new PodAuth({ cacheSize: 10, requester: { request: async (pod, aud) => (asked.push(`${pod.namespace}/${pod.name}:${aud}`), 'jwt-minted') } });
  await read(auth, params(w.url, { saTokens: {}, audience: 'vault' }));
  assert.deepEqual(asked, ['app/web-0:vault']);
  assert.equal((w.logins[0]?.body as { jwt: string }).jwt, 'jwt-minted');
  const outside = new PodAuth({ cacheSize: 10 });
  await assert.rejects(read(outside, params(w.url, { saTokens: { other: 'x' }, audience: 'vault' })), (e: unknown) => e instanceof PermissionDenied && /audience "vault".*have "other"/.test(e.message));
  auth.close();
  outside.close();
});

test('one cached token per pod, bounded by the cache size', async (t) => {
  const w = await ward();
  t.after(() => w.close());
  const auth = new PodAuth({ cacheSize: 1 });
  t.after(() => auth.close());
  const a = params(w.url);
  const b = params(w.url, { pod: { name: 'web-1', namespace: 'app', uid: 'u9', serviceAccount: 'web' } });
  assert.equal(await read(auth, a), 'tok-1');
  assert.equal(await read(auth, a), 'tok-1', 'cached');
  assert.equal(await read(auth, b), 'tok-2');
  assert.equal(await read(auth, a), 'tok-3', 'pod a was evicted by pod b');
  assert.equal(w.logins.length, 3);
});

test('a cached token refused with 403 is replaced once; a fresh one refused is an error', async (t) => {
  const w = await ward();
  t.after(() => w.close());
  const auth = new PodAuth({ cacheSize: 10 });
  t.after(() => auth.close());
  const p = params(w.url);
  assert.equal(await read(auth, p), 'tok-1');
  w.revoked.add('tok-1');
  assert.equal(await read(auth, p), 'tok-2');
  assert.equal(w.logins.length, 2);
  w.revoked.add('tok-2');
  w.revoked.add('tok-3');
  await assert.rejects(read(auth, p), /permission denied/);
  assert.equal(w.logins.length, 3, 'exactly one re-login, no loop');
  const fresh = params(w.url, { pod: { name: 'n', namespace: 'app', uid: 'n', serviceAccount: 'web' } });
  w.revoked.add('tok-4');
  await assert.rejects(read(auth, fresh), /permission denied/);
  assert.equal(w.logins.length, 4, 'a just-minted token is not replaced');
});

test('a refused login is PermissionDenied naming the mount, role and pod, never the JWT', async (t) => {
  const w = await ward();
  t.after(() => w.close());
  const auth = new PodAuth({ cacheSize: 10 });
  t.after(() => auth.close());
  await assert.rejects(read(auth, params(w.url, { saTokens: { vault: 'bad-jwt' } })), (e: unknown) => {
    assert.ok(e instanceof PermissionDenied);
    assert.match(e.message, /login to auth\/kubernetes\/login with role "web" for pod app\/web-0 failed: permission denied/);
    assert.ok(!e.message.includes('bad-jwt'));
    return true;
  });
});

test('a token near the end of its lifetime is replaced before use', async (t) => {
  const w = await ward();
  t.after(() => w.close());
  let now = 1_000_000;
  const auth = new PodAuth({ cacheSize: 10, now: () => now });
  t.after(() => auth.close());
  const p = params(w.url);
  assert.equal(await read(auth, p), 'tok-1');
  now += 85_000;
  assert.equal(await read(auth, p), 'tok-1', '85 of 100 s: still used');
  now += 6_000;
  assert.equal(await read(auth, p), 'tok-2', '91 of 100 s: replaced');
});
