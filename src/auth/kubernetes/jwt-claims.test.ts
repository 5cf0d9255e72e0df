import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { WardError } from '../../sdk/errors.js';
import { checkServiceAccountJwt, type JwtCheckOptions } from './jwt-claims.js';
import { isWardError } from '../../../test/helpers/errors.js';

const base: JwtCheckOptions = { pemKeys: [], issuer: '', disableIssValidation: true, audience: '', nowMs: Date.now() };
const projected = (over: JWTPayload = {}): JWTPayload => ({
  iss: 'https://kubernetes.default.svc',
  aud: ['vault'],
  exp: Math.floor(Date.now() / 1000) + 600,
  'kubernetes.io': { namespace: 'prod', serviceaccount: { name: 'app', uid: 'u1' }, pod: { name: 'p', uid: 'pu' } },
  ...over,
});

async function sign(payload: JWTPayload, alg: 'ES256' | 'RS256' = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwt = await new SignJWT(payload).setProtectedHeader({ alg }).sign(privateKey);
  return { jwt, pem: await exportSPKI(publicKey) };
}

describe('service-account JWT checks', () => {
  it('reads projected claims', async () => {
    const { jwt } = await sign(projected());
    assert.deepEqual(await checkServiceAccountJwt(jwt, base), { namespace: 'prod', name: 'app', uid: 'u1', secretName: '', audiences: ['vault'] });
  });

  it('reads legacy secret-token claims', async () => {
    const { jwt } = await sign({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'ns',
      'kubernetes.io/serviceaccount/service-account.name': 'sa',
      'kubernetes.io/serviceaccount/service-account.uid': 'u2',
      'kubernetes.io/serviceaccount/secret.name': 'sa-token-x',
    });
    const sa = await checkServiceAccountJwt(jwt, { ...base, disableIssValidation: false });
    assert.deepEqual(sa, { namespace: 'ns', name: 'sa', uid: 'u2', secretName: 'sa-token-x', audiences: [] });
  });

  it('checks issuer, audience and lifetime', async () => {
    const { jwt } = await sign(projected());
    await assert.rejects(checkServiceAccountJwt(jwt, { ...base, disableIssValidation: false }), isWardError(403, /invalid issuer/));
    await checkServiceAccountJwt(jwt, { ...base, disableIssValidation: false, issuer: 'https://kubernetes.default.svc' });
    await assert.rejects(checkServiceAccountJwt(jwt, { ...base, audience: 'other' }), isWardError(403, /invalid audience/));
    const expired = await sign(projected({ exp: Math.floor(Date.now() / 1000) - 3600 }));
    await assert.rejects(checkServiceAccountJwt(expired.jwt, base), isWardError(403, /expired/));
    const early = await sign(projected({ nbf: Math.floor(Date.now() / 1000) + 3600 }));
    await assert.rejects(checkServiceAccountJwt(early.jwt, base), isWardError(403, /not valid yet/));
  });

  it('verifies signatures when pem_keys are set', async () => {
    const a = await sign(projected(), 'RS256');
    const b = await sign(projected());
    await checkServiceAccountJwt(a.jwt, { ...base, pemKeys: [b.pem, a.pem] });
    await assert.rejects(checkServiceAccountJwt(a.jwt, { ...base, pemKeys: [b.pem] }), isWardError(403, /signature/));
  });

  it('refuses garbage and tokens without a service account, never echoing the token', async () => {
    const secret = 'eyJhbGciOiJub25lIn0.c2VjcmV0LXN0dWZm.sig';
    await assert.rejects(checkServiceAccountJwt(secret, base), (e: unknown) => isWardError(403, /could not be parsed/)(e) && !JSON.stringify((e as WardError).messages).includes('c2VjcmV0'));
    const { jwt } = await sign({ iss: 'x', sub: 'someone' });
    await assert.rejects(checkServiceAccountJwt(jwt, base), isWardError(403, /does not name a service account/));
  });
});
