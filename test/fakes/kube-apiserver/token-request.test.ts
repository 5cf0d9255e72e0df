import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from './http-util.js';
import { tokenRequest, type TokenRequestContext, type TokenToSign } from './token-request.js';

const NOW = Date.UTC(2026, 11, 7, 8, 0, 0);

function context(): TokenRequestContext & { signed: TokenToSign[] } {
  const signed: TokenToSign[] = [];
  return {
    signed,
    apiAudiences: ['https://kubernetes.default.svc.cluster.local'],
    serviceAccountUid: (ns, name) => (ns === 'apps' && ['web', 'csi'].includes(name) ? `uid-${name}` : undefined),
    pod: (ns, name) => (ns === 'apps' && name === 'web-0' ? { uid: 'pod-uid', serviceAccountName: 'web' } : undefined),
    secret: (ns, name) => (ns === 'apps' && name === 'tok' ? { uid: 'secret-uid' } : undefined),
    sign(t) {
      signed.push(t);
      return Promise.resolve('signed-jwt');
    },
  };
}
const request = (spec: Json): string => JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

describe('TokenRequest', () => {
  it('defaults audiences to the API server and the lifetime to 3600 s', async () => {
    const ctx = context();
    const r = await tokenRequest(ctx, 'apps', 'web', request({}), NOW);
    assert.equal(r.code, 201);
    assert.deepEqual(r.body['spec'], { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: null });
    assert.deepEqual(r.body['status'], { token: 'signed-jwt', expirationTimestamp: '2026-12-07T09:00:00Z' });
    assert.deepEqual(r.body['metadata'], { name: 'web', namespace: 'apps', creationTimestamp: '2026-12-07T08:00:00Z' });
    assert.deepEqual(ctx.signed, [{ namespace: 'apps', name: 'web', uid: 'uid-web', audiences: ['https://kubernetes.default.svc.cluster.local'], expiresIn: 3600 }]);
  });

  it('binds to a pod of this service account, checking its uid', async () => {
    const ctx = context();
    const ref = { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'pod-uid' };
    const r = await tokenRequest(ctx, 'apps', 'web', request({ audiences: ['vault'], expirationSeconds: 600, boundObjectRef: ref }), NOW);
    assert.equal(r.code, 201);
    assert.deepEqual(ctx.signed[0], { namespace: 'apps', name: 'web', uid: 'uid-web', audiences: ['vault'], expiresIn: 600, pod: { name: 'web-0', uid: 'pod-uid' } });
    assert.deepEqual((r.body['spec'] as Json)['boundObjectRef'], ref);
  });

  it('binds to a secret', async () => {
    const ctx = context();
    const r = await tokenRequest(ctx, 'apps', 'csi', request({ boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'tok' } }), NOW);
    assert.equal(r.code, 201);
    assert.deepEqual(ctx.signed[0]?.secret, { name: 'tok', uid: 'secret-uid' });
  });

  const failures: [string, string, string, Json | string, number, string][] = [
    ['unknown service account', 'apps', 'nobody', {}, 404, 'serviceaccounts "nobody" not found'],
    ['lifetime under 10 minutes', 'apps', 'web', { expirationSeconds: 599 }, 422, 'TokenRequest.authentication.k8s.io "web" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'],
    ['lifetime over 2^32 s', 'apps', 'web', { expirationSeconds: 2 ** 32 + 1 }, 422, 'TokenRequest.authentication.k8s.io "web" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds'],
    ['unknown pod', 'apps', 'web', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'gone' } }, 404, 'pods "gone" not found'],
    ['pod of another account', 'apps', 'csi', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0' } }, 400, 'cannot bind token for serviceaccount "csi" to pod running with different serviceaccount name.'],
    ['stale pod uid', 'apps', 'web', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'old-uid' } }, 409,
      'Operation cannot be fulfilled on Pod "web-0": the UID in the bound object reference (old-uid) does not match the UID in record. The object might have been deleted and then recreated'],
    ['unbindable kind', 'apps', 'web', { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'd' } }, 400, 'cannot bind token to object of type apps/v1, Kind=Deployment'],
    ['audiences not strings', 'apps', 'web', { audiences: 'vault' }, 400, 'json: cannot unmarshal spec.audiences into Go struct field TokenRequestSpec.spec.audiences of type []string'],
    ['undecodable body', 'apps', 'web', '{nope', 400, ''],
  ];
  for (const [title, ns, sa, spec, code, message] of failures) {
    it(`refuses: ${title} (${code})`, async () => {
      const ctx = context();
      const r = await tokenRequest(ctx, ns, sa, typeof spec === 'string' ? spec : request(spec), NOW);
      assert.equal(r.code, code);
      assert.equal(r.body['kind'], 'Status');
      assert.equal(r.body['code'], code);
      if (message) assert.equal(r.body['message'], message);
      assert.equal(ctx.signed.length, 0);
    });
  }
});
