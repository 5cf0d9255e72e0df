import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ApiError, ConnectionError, WardClient, flattenServerMessages, optionsFromEnv } from './index.js';
import { envelope, startFakeServer } from './fake-server.js';

test('every request carries X-Vault-Request, token, namespace and wrap TTL headers', async (t) => {
  const fake = await startFakeServer(() => ({ status: 200, body: envelope({ a: 1 }) }));
  t.after(() => fake.close());
  const c = new WardClient({ address: fake.url, token: 'hvs.tok', namespace: 'ns1', wrapTtl: '5m' });
  t.after(() => c.close());
  const res = await c.read('secret/foo');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body?.data, { a: 1 });
  const h = fake.requests[0]?.headers ?? {};
  assert.equal(h['x-vault-request'], 'true');
  assert.equal(h['x-vault-token'], 'hvs.tok');
  assert.equal(h['x-vault-namespace'], 'ns1');
  assert.equal(h['x-vault-wrap-ttl'], '5m');
  await c.unwrap('hvs.wrapped');
  await c.kvPreflight('secret/foo');
  assert.equal(fake.requests[1]?.headers['x-vault-wrap-ttl'], undefined, 'unwrap is never wrapped');
  assert.deepEqual(fake.requests[1]?.body, { token: 'hvs.wrapped' });
  assert.equal(fake.requests[2]?.headers['x-vault-wrap-ttl'], undefined, 'preflight is never wrapped');
});

test('list is GET ?list=true, patch uses merge-patch, write is PUT with JSON', async (t) => {
  const fake = await startFakeServer(() => ({ status: 204 }));
  t.after(() => fake.close());
  const c = new WardClient({ address: fake.url });
  await c.list('secret/');
  await c.patch('secret/data/x', { data: { a: 'b' } });
  await c.write('secret/x', { a: 'b' });
  const [l, p, w] = fake.requests;
  assert.equal(l?.method, 'GET');
  assert.equal(l?.query.get('list'), 'true');
  assert.equal(p?.method, 'PATCH');
  assert.equal(p?.headers['content-type'], 'application/merge-patch+json');
  assert.equal(w?.method, 'PUT');
  assert.equal(w?.headers['content-type'], 'application/json');
  assert.equal(l?.headers['x-vault-token'], undefined, 'no token header without a token');
});

test('204 resolves with a null body', async (t) => {
  const fake = await startFakeServer(() => ({ status: 204 }));
  t.after(() => fake.close());
  const res = await new WardClient({ address: fake.url }).delete('secret/x');
  assert.deepEqual(res, { status: 204, body: null });
});

test('errors become ApiError with flattened multierror messages and the address', async (t) => {
  const fake = await startFakeServer(() => ({ status: 403, body: { errors: ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'] } }));
  t.after(() => fake.close());
  const c = new WardClient({ address: fake.url });
  const err = await c.read('secret/x').then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 403);
  assert.deepEqual(err.errors, ['permission denied', 'invalid token']);
  assert.equal(err.address, fake.url);
  assert.ok(!err.message.includes('\n'));
  assert.match(err.message, /permission denied; invalid token \(HTTP 403 from GET http:\/\/127\.0\.0\.1:\d+\/v1\/secret\/x\)/);
});

test('sealed 503 is recognisable', async (t) => {
  const fake = await startFakeServer(() => ({ status: 503, body: { errors: ['Vault is sealed'] } }));
  t.after(() => fake.close());
  const err = await new WardClient({ address: fake.url }).read('secret/x').catch((e: unknown) => e);
  assert.ok(err instanceof ApiError && err.sealed);
});

test('404 with an envelope keeps the body (KV v2 deleted version)', async (t) => {
  const fake = await startFakeServer(() => ({ status: 404, body: envelope({ data: null, metadata: { version: 1, destroyed: false } }) }));
  t.after(() => fake.close());
  const err = await new WardClient({ address: fake.url }).read('secret/data/x').catch((e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.ok(err.hasEnvelope);
  assert.deepEqual(err.body?.data?.['metadata'], { version: 1, destroyed: false });
});

test('a refused connection is a ConnectionError naming the address and cause', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port; // TCP listener
      s.close(() => resolve(p));
    });
  });
  const address = `http://127.0.0.1:${port}`;
  const err = await new WardClient({ address }).sealStatus().catch((e: unknown) => e);
  assert.ok(err instanceof ConnectionError);
  assert.equal(err.address, address);
  assert.equal(err.code, 'ECONNREFUSED');
  assert.match(err.message, new RegExp(`^cannot reach ${address}: connection refused`));
});

test('WARD_* environment variables win over VAULT_*', () => {
  const o = optionsFromEnv({ VAULT_ADDR: 'http://v:1', WARD_ADDR: 'http://w:2', VAULT_TOKEN: 'vt', VAULT_SKIP_VERIFY: 'true', WARD_WRAP_TTL: '', VAULT_WRAP_TTL: '1m' });
  assert.equal(o.address, 'http://w:2');
  assert.equal(o.token, 'vt');
  assert.equal(o.tlsSkipVerify, true);
  assert.equal(o.wrapTtl, '1m');
  assert.equal(new WardClient().address, 'https://127.0.0.1:8200');
  assert.equal(WardClient.fromEnv({ VAULT_ADDR: 'http://x:9/' }).address, 'http://x:9');
});

test('kv preflight selects v2 paths, v1 on 404, and reports 403 like vault', async (t) => {
  const fake = await startFakeServer((r) => {
    if (r.path === 'sys/internal/ui/mounts/secret/app/db') return { status: 200, body: envelope({ path: 'secret/', type: 'kv', options: { version: '2' } }) };
    if (r.path === 'sys/internal/ui/mounts/deny/x') return { status: 403, body: { errors: ['permission denied'] } };
    if (r.path === 'secret/data/app/db' || r.path === 'old/app') return { status: 200, body: envelope({ ok: true }) };
    return undefined;
  });
  t.after(() => fake.close());
  const c = new WardClient({ address: fake.url });
  const v2 = await c.kvGet('secret/app/db', { version: 3 });
  assert.equal(v2.target.version, 2);
  assert.equal(v2.target.mountPath, 'secret/');
  assert.equal(v2.target.relPath, 'app/db');
  assert.equal(v2.target.api('metadata'), 'secret/metadata/app/db');
  assert.equal(fake.requests.at(-1)?.path, 'secret/data/app/db');
  assert.equal(fake.requests.at(-1)?.query.get('version'), '3');
  const v1 = await c.kvGet('old/app');
  assert.equal(v1.target.version, 1);
  assert.equal(fake.requests.at(-1)?.path, 'old/app');
  const err = await c.kvPreflight('deny/x').catch((e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.match(err.message, /preflight capability check returned 403/);
  await assert.rejects(c.kvPatch('old/app', { a: 'b' }), /not supported on KV version 1/);
});

test('flattenServerMessages keeps plain messages and joins lines', () => {
  assert.deepEqual(flattenServerMessages(['missing data fields', 'a\nb', '']), ['missing data fields', 'a b']);
  assert.deepEqual(flattenServerMessages(['1 error occurred:\n\t* permission denied\n\n']), ['permission denied']);
});

test("a standby's 307 is followed once, with the body re-sent; an https→http redirect is refused", async (t) => {
  const active = await startFakeServer((r) => (r.path === 'secret/app' && r.method === 'PUT' ? { status: 200, body: envelope({ got: r.body ?? null, token: String(r.headers['x-vault-token'] ?? '') }) } : undefined));
  t.after(() => active.close());
  const standby = await startFakeServer((r) => ({ status: 307, headers: { Location: `${active.url}/v1/${r.path}` } }));
  t.after(() => standby.close());
  const c = new WardClient({ address: standby.url, token: 't0' });
  const res = await c.write('secret/app', { a: 1 });
  assert.deepEqual(res.body?.data, { got: { a: 1 }, token: 't0' });
  assert.equal(standby.requests.length, 1);

  const loop = await startFakeServer(() => ({ status: 307, headers: { Location: `${standby.url}/v1/secret/app` } }));
  t.after(() => loop.close());
  const twice = await new WardClient({ address: loop.url, token: 't0' }).write('secret/app', { a: 1 }).catch((e: unknown) => e);
  assert.ok(twice instanceof ApiError, 'a second redirect is not followed');
  assert.match(twice.errors[0] ?? '', /^redirected more than once/);
  assert.equal(loop.requests.length, 1);
});
