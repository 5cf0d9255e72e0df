import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { kubeRequest } from '../../../src/auth/kubernetes/kube-client.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { generateServerPki } from './tls.js';

const REVIEW = '/apis/authentication.k8s.io/v1/tokenreviews';

describe('fake kube-apiserver', () => {
  let k: FakeKubeApiServer;
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { prod: { env: 'production' } } });
  });
  after(() => k.close());

  const call = (bearer: string, method: 'GET' | 'POST', path: string, body?: unknown) =>
    kubeRequest({ host: k.url, caPem: k.caPem, bearer, timeoutMs: 5000 }, method, path, body);
  const review = async (token: string, audiences?: string[], bearer = k.reviewerToken) => {
    const res = await call(bearer, 'POST', REVIEW, { spec: { token, ...(audiences ? { audiences } : {}) } });
    return { status: res.status, body: JSON.parse(res.body) as { kind: string; status: Record<string, unknown> & { user: Record<string, unknown> } } };
  };

  it('issues projected service-account tokens with the real claim layout', async () => {
    const jwt = await k.issueToken({ namespace: 'prod', name: 'app', uid: 'uid-1', audiences: ['vault'] });
    const c = decodeJwt(jwt);
    assert.equal(c.iss, k.issuer);
    assert.equal(c.sub, 'system:serviceaccount:prod:app');
    assert.deepEqual(c.aud, ['vault']);
    assert.ok(typeof c.exp === 'number' && typeof c.nbf === 'number' && typeof c.jti === 'string');
    const k8s = c['kubernetes.io'] as { namespace: string; serviceaccount: { name: string; uid: string }; pod: { name: string } };
    assert.equal(k8s.namespace, 'prod');
    assert.deepEqual(k8s.serviceaccount, { name: 'app', uid: 'uid-1' });
    assert.ok(k8s.pod.name.startsWith('app-'));
  });

  it('authenticates a valid token and reports user, groups, extra and audiences (201)', async () => {
    const jwt = await k.issueToken({ namespace: 'prod', name: 'web', uid: 'uid-web', audiences: ['vault', 'other'] });
    const r = await review(jwt, ['vault']);
    assert.equal(r.status, 201);
    assert.equal(r.body.kind, 'TokenReview');
    assert.equal(r.body.status['authenticated'], true);
    assert.deepEqual(r.body.status['audiences'], ['vault']);
    assert.equal(r.body.status.user['username'], 'system:serviceaccount:prod:web');
    assert.equal(r.body.status.user['uid'], 'uid-web');
    assert.deepEqual(r.body.status.user['groups'], ['system:serviceaccounts', 'system:serviceaccounts:prod', 'system:authenticated']);
    assert.ok(Object.hasOwn(r.body.status.user['extra'] as object, 'authentication.kubernetes.io/pod-name'));
  });

  it('rejects expired, wrong-audience, forged and deleted-account tokens with error strings', async () => {
    const expired = await k.issueToken({ namespace: 'prod', name: 'a', audiences: ['vault'], expiresIn: -120 });
    const wrongAud = await k.issueToken({ namespace: 'prod', name: 'a', audiences: ['elsewhere'] });
    const forged = await k.forgeToken({ namespace: 'prod', name: 'a', audiences: ['vault'] });
    const doomed = await k.issueToken({ namespace: 'prod', name: 'gone', audiences: ['vault'] });
    k.deleteServiceAccount('prod', 'gone');
    const cases: [string, RegExp][] = [
      [expired, /service account token has expired/],
      [wrongAud, /token audiences \["elsewhere"\] is invalid for the target audiences \["vault"\]/],
      [forged, /error in cryptographic primitive/],
      [doomed, /service account token has been invalidated/],
    ];
    for (const [jwt, re] of cases) {
      const r = await review(jwt, ['vault']);
      assert.equal(r.status, 201);
      assert.notEqual(r.body.status['authenticated'], true);
      assert.match(String(r.body.status['error']), re);
      assert.deepEqual(r.body.status.user, {});
    }
    const garbage = await review('not-a-jwt', ['vault']);
    assert.equal(garbage.body.status['authenticated'], undefined);
    assert.equal(garbage.body.status['error'], undefined);
  });

  it('defaults the requested audiences to its own', async () => {
    const own = await k.issueToken({ namespace: 'prod', name: 'b' });
    assert.equal((await review(own)).body.status['authenticated'], true);
    const vaultOnly = await k.issueToken({ namespace: 'prod', name: 'b', audiences: ['vault'] });
    assert.match(String((await review(vaultOnly)).body.status['error']), /is invalid for the target audiences/);
  });

  it('requires an authenticated, authorised bearer (401 / 403 Status objects)', async () => {
    const jwt = await k.issueToken({ namespace: 'prod', name: 'c', audiences: ['vault'] });
    const anon = await review(jwt, ['vault'], 'garbage');
    assert.equal(anon.status, 401);
    assert.deepEqual(anon.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    const plain = await k.issueToken({ namespace: 'prod', name: 'c' });
    const forbidden = await review(jwt, ['vault'], plain);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.kind, 'Status');
    assert.match(String((forbidden.body as unknown as { message: string }).message), /cannot create resource "tokenreviews"/);
    k.setAuthDelegator('prod', 'c', true);
    assert.equal((await review(jwt, ['vault'], plain)).status, 201);
    assert.ok(k.reviews.some((r) => r.caller === 'system:serviceaccount:prod:c' && r.status === 201));
  });

  it('serves namespaces with labels, 404 for unknown ones', async () => {
    const res = await call(k.reviewerToken, 'GET', '/api/v1/namespaces/prod');
    assert.equal(res.status, 200);
    const ns = JSON.parse(res.body) as { metadata: { labels: Record<string, string> } };
    assert.deepEqual(ns.metadata.labels, { env: 'production', 'kubernetes.io/metadata.name': 'prod' });
    assert.equal((await call(k.reviewerToken, 'GET', '/api/v1/namespaces/nope')).status, 404);
    assert.equal((await call('garbage', 'GET', '/api/v1/namespaces/prod')).status, 401);
  });

  it('is only trusted through its own CA', async () => {
    const other = await generateServerPki('someone-else');
    await assert.rejects(
      kubeRequest({ host: k.url, caPem: other.caPem, bearer: k.reviewerToken, timeoutMs: 5000 }, 'GET', '/api/v1/namespaces/prod'),
      /TLS verification .* failed/,
    );
  });
});
