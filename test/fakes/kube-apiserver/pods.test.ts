import assert from 'node:assert/strict';
import * as https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTPS request with any method and content type (the kube client in src/ only sends JSON GET/POST). */
function call(k: FakeKubeApiServer, bearer: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, k.url), {
      method,
      ca: k.caPem,
      agent: false, // a fresh connection each time, so "down" means refused, not a stale keep-alive socket
      headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json', ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const POD = '/api/v1/namespaces/vault/pods/vault-0';
const meta = (a: Answer) => a.body['metadata'] as { labels?: Record<string, string>; resourceVersion: string; name: string; uid: string };

describe('fake kube-apiserver: pods', () => {
  let k: FakeKubeApiServer;
  let token: string;
  before(async () => {
    k = await startFakeKubeApiServer();
    const pod = k.createPod('vault', 'vault-0');
    token = await k.issueToken({ namespace: 'vault', name: 'vault', pod: { name: 'vault-0', uid: pod.metadata.uid } });
    k.grantPods('vault', 'vault', ['get', 'patch']);
  });
  after(() => k.close());

  it('GETs a pod with no labels field until one is set; 404 Status for unknown pods', async () => {
    const got = await call(k, token, 'GET', POD);
    assert.equal(got.status, 200);
    assert.equal(got.body['kind'], 'Pod');
    assert.equal(meta(got).name, 'vault-0');
    assert.equal(meta(got).labels, undefined);
    const missing = await call(k, token, 'GET', '/api/v1/namespaces/vault/pods/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404,
    });
    assert.equal((await call(k, token, 'PATCH', '/api/v1/namespaces/vault/pods/nope', { metadata: {} }, 'application/merge-patch+json')).status, 404);
  });

  it('applies merge patches (null deletes), bumping resourceVersion only on change', async () => {
    const before = meta(await call(k, token, 'GET', POD)).resourceVersion;
    const r = await call(k, token, 'PATCH', POD, { metadata: { labels: { a: '1', 'vault-active': 'true' } } }, 'application/merge-patch+json');
    assert.equal(r.status, 200);
    assert.deepEqual(meta(r).labels, { a: '1', 'vault-active': 'true' });
    assert.ok(Number(meta(r).resourceVersion) > Number(before));
    const same = await call(k, token, 'PATCH', POD, { metadata: { labels: { a: '1' } } }, 'application/merge-patch+json');
    assert.equal(meta(same).resourceVersion, meta(r).resourceVersion);
    const del = await call(k, token, 'PATCH', POD, { metadata: { labels: { a: null } } }, 'application/strategic-merge-patch+json');
    assert.deepEqual(meta(del).labels, { 'vault-active': 'true' });
    assert.deepEqual(k.pod('vault', 'vault-0')?.metadata.labels, { 'vault-active': 'true' });
  });

  it('applies JSON patches; replace of a missing label is 422 and changes nothing', async () => {
    const ok = await call(k, token, 'PATCH', POD, [
      { op: 'add', path: '/metadata/labels/vault-sealed', value: 'false' },
      { op: 'replace', path: '/metadata/labels/vault-active', value: 'false' },
      { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'ward' },
    ], 'application/json-patch+json');
    assert.equal(ok.status, 200);
    assert.deepEqual(meta(ok).labels, { 'vault-active': 'false', 'vault-sealed': 'false', 'app.kubernetes.io/name': 'ward' });
    const bad = await call(k, token, 'PATCH', POD, [
      { op: 'add', path: '/metadata/labels/x', value: 'y' },
      { op: 'replace', path: '/metadata/labels/vault-perf-standby', value: 'false' },
    ], 'application/json-patch+json');
    assert.equal(bad.status, 422);
    assert.equal(bad.body['reason'], 'Invalid');
    assert.equal(k.pod('vault', 'vault-0')?.metadata.labels?.['x'], undefined);
    const garbled = await call(k, token, 'PATCH', POD, '{not json', 'application/json-patch+json');
    assert.equal(garbled.status, 400);
    assert.equal(garbled.body['reason'], 'BadRequest');
  });

  it('refuses invalid label values (422), stale resourceVersions (409) and unknown patch types (415)', async () => {
    const plus = await call(k, token, 'PATCH', POD, { metadata: { labels: { 'vault-version': '1.0.0+ward' } } }, 'application/merge-patch+json');
    assert.equal(plus.status, 422);
    assert.match(String(plus.body['message']), /metadata\.labels: Invalid value: "1\.0\.0\+ward"/);
    const stale = await call(k, token, 'PATCH', POD, { metadata: { resourceVersion: '1', labels: { b: '2' } } }, 'application/merge-patch+json');
    assert.equal(stale.status, 409);
    assert.equal(stale.body['reason'], 'Conflict');
    const yaml = await call(k, token, 'PATCH', POD, { metadata: {} }, 'application/x-yaml');
    assert.equal(yaml.status, 415);
  });

  it('requires an authenticated bearer with RBAC on pods (401 / 403)', async () => {
    assert.equal((await call(k, 'garbage', 'GET', POD)).status, 401);
    const other = await k.issueToken({ namespace: 'vault', name: 'nobody' });
    const denied = await call(k, other, 'PATCH', POD, { metadata: {} }, 'application/merge-patch+json');
    assert.equal(denied.status, 403);
    assert.equal(denied.body['message'], 'pods "vault-0" is forbidden: User "system:serviceaccount:vault:nobody" cannot patch resource "pods" in API group "" in the namespace "vault"');
    k.grantPods('vault', 'nobody', ['get']);
    assert.equal((await call(k, other, 'GET', POD)).status, 200);
    assert.equal((await call(k, other, 'PATCH', POD, { metadata: {} }, 'application/merge-patch+json')).status, 403);
  });

  it('answers the next N requests with an injected Status, then recovers', async () => {
    k.failNext(503, 2);
    const first = await call(k, token, 'GET', POD);
    assert.equal(first.status, 503);
    assert.equal(first.body['kind'], 'Status');
    assert.equal(first.body['reason'], 'ServiceUnavailable');
    assert.equal((await call(k, token, 'GET', POD)).status, 503);
    assert.equal((await call(k, token, 'GET', POD)).status, 200);
    for (const [code, reason] of [[401, 'Unauthorized'], [403, 'Forbidden'], [409, 'Conflict'], [500, 'InternalError']] as const) {
      k.failNext(code);
      const r = await call(k, token, 'PATCH', POD, { metadata: {} }, 'application/merge-patch+json');
      assert.equal(r.status, code);
      assert.equal(r.body['reason'], reason);
    }
  });

  it('goes down and comes back on the same port with its state', async () => {
    const url = k.url;
    await k.down();
    await assert.rejects(call(k, token, 'GET', POD), /ECONNREFUSED/);
    await k.up();
    assert.equal(k.url, url);
    const back = await call(k, token, 'GET', POD);
    assert.equal(back.status, 200);
    assert.equal(meta(back).labels?.['vault-active'], 'false');
    assert.ok(k.podRequests.some((r) => r.verb === 'patch' && r.contentType === 'application/json-patch+json' && r.status === 200));
  });
});
