/**
 * The service-account issuer's OIDC discovery, as a real API server serves it
 * (ServiceAccountIssuerDiscovery): `/.well-known/openid-configuration` names the issuer and
 * `jwks_uri` (`<server>/openid/v1/jwks`), the JWKS verifies the tokens the fake issues, both
 * are open to anonymous callers (the common binding of system:service-account-issuer-discovery
 * to system:unauthenticated), and a bearer that does not authenticate is 401.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';

function get(k: FakeKubeApiServer, path: string, token?: string): Promise<{ code: number; type: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${k.url}${path}`, { ca: k.caPem, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: text.startsWith('{') ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('issuer discovery: the configuration and the JWKS verify issued tokens; anonymous may read them', async (t) => {
  const k = await startFakeKubeApiServer({ selfIssuer: true, alg: 'RS256' });
  t.after(() => k.close());
  assert.equal(k.issuer, k.url, 'selfIssuer: the issuer is the server URL, so discovery at the issuer works');

  const conf = await get(k, '/.well-known/openid-configuration');
  assert.equal(conf.code, 200);
  assert.match(conf.type, /^application\/json/);
  assert.deepEqual(conf.body, {
    issuer: k.url,
    jwks_uri: `${k.url}/openid/v1/jwks`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });

  const jwks = await get(k, '/openid/v1/jwks');
  assert.equal(jwks.code, 200);
  assert.match(jwks.type, /^application\/jwk-set\+json/);
  const keys = jwks.body['keys'] as Record<string, unknown>[];
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!['use'], 'sig');
  assert.equal(keys[0]!['alg'], 'RS256');
  assert.equal(keys[0]!['d'], undefined, 'public half only');

  const token = await k.issueToken({ namespace: 'app', name: 'web', audiences: ['ward'] });
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.body as unknown as JSONWebKeySet), { issuer: k.url, audience: 'ward' });
  assert.equal(payload.sub, 'system:serviceaccount:app:web');
  const forged = await k.forgeToken({ namespace: 'app', name: 'web', audiences: ['ward'] });
  await assert.rejects(jwtVerify(forged, createLocalJWKSet(jwks.body as unknown as JSONWebKeySet)));

  // A valid bearer may read them too; one that does not authenticate is 401, as for any path.
  assert.equal((await get(k, '/openid/v1/jwks', token)).code, 401, 'a token for another audience does not authenticate to the API server');
  assert.equal((await get(k, '/openid/v1/jwks', k.adminToken)).code, 200);
  assert.equal((await get(k, '/.well-known/openid-configuration', 'not-a-token')).code, 401);
});

test('issuer discovery with the default in-cluster issuer still points jwks_uri at the server', async (t) => {
  const k = await startFakeKubeApiServer();
  t.after(() => k.close());
  const conf = await get(k, '/.well-known/openid-configuration');
  assert.equal(conf.body['issuer'], 'https://kubernetes.default.svc.cluster.local');
  assert.equal(conf.body['jwks_uri'], `${k.url}/openid/v1/jwks`);
  assert.deepEqual(conf.body['id_token_signing_alg_values_supported'], ['ES256']);
});
