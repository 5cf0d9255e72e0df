/**
 * Identity tokens: a role signs a JWT for the caller's entity with templated claims; a
 * third party verifies it with jose against the unauthenticated discovery document and
 * JWKS; after a rotation the old token still verifies (verification_ttl) and new tokens
 * use the new key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { FakeClock } from '../../helpers/clock.js';
import { api, startTestServer } from '../../helpers/server.js';

// any: discovery and JWKS bodies are asserted field by field.
const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

test('identity tokens: signed for the entity, verified with the published JWKS by jose, across a rotation', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const root = { token: s.rootToken };
  assert.equal((await api(s, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } })).status, 204);
  const upAcc = (await api(s, 'GET', 'sys/auth', root)).body.data['userpass/'].accessor as string;
  assert.equal((await api(s, 'POST', 'sys/policy/idtoken', { ...root, body: { policy: 'path "identity/oidc/token/*" { capabilities = ["read"] }' } })).status, 204);
  assert.equal((await api(s, 'POST', 'auth/userpass/users/ci', { ...root, body: { password: 'pw-ci-1', token_policies: 'idtoken' } })).status, 204);
  assert.equal((await api(s, 'POST', 'identity/oidc/config', { ...root, body: { issuer: s.url } })).status, 200, 'written, with the explicit-issuer warning');

  assert.equal((await api(s, 'POST', 'identity/oidc/key/main', { ...root, body: { algorithm: 'ES256', allowed_client_ids: '*', verification_ttl: '2h', rotation_period: '1h' } })).status, 204);
  const key = await api(s, 'GET', 'identity/oidc/key/main', root);
  assert.deepEqual(key.body.data, { algorithm: 'ES256', rotation_period: 3600, verification_ttl: 7200, allowed_client_ids: ['*'] });
  const badRole = await api(s, 'POST', 'identity/oidc/role/x', { ...root, body: { key: 'nope' } });
  assert.deepEqual([badRole.status, badRole.body.errors], [400, ['key "nope" does not exist']]);
  const reserved = await api(s, 'POST', 'identity/oidc/role/x', { ...root, body: { key: 'main', template: '{"sub": "admin"}' } });
  assert.equal(reserved.status, 400);
  const template = `{"username": {{identity.entity.aliases.${upAcc}.name}}, "team": {{identity.entity.metadata.team}}}`;
  assert.equal((await api(s, 'POST', 'identity/oidc/role/ci', { ...root, body: { key: 'main', template, ttl: '30m' } })).status, 204);
  const role = (await api(s, 'GET', 'identity/oidc/role/ci', root)).body.data;
  assert.equal(role.ttl, 1800);
  assert.match(role.client_id, /^[A-Za-z0-9]{20,}$/);

  const login = (await api(s, 'POST', 'auth/userpass/login/ci', { body: { password: 'pw-ci-1' } })).body.auth;
  await api(s, 'POST', `identity/entity/id/${login.entity_id}`, { ...root, body: { metadata: { team: 'blue' } } });
  const issued = await api(s, 'GET', 'identity/oidc/token/ci', { token: login.client_token });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  assert.deepEqual([issued.body.data.client_id, issued.body.data.ttl], [role.client_id, 1800]);

  // The verifier knows only the issuer URL: discovery, then the JWKS, both without a token.
  const discovery = await getJson(`${s.url}/v1/identity/oidc/.well-known/openid-configuration`);
  assert.equal(discovery.issuer, `${s.url}/v1/identity/oidc`);
  const jwks = await getJson(discovery.jwks_uri);
  const verify = (jwt: string, set: unknown) => jwtVerify(jwt, createLocalJWKSet(set as Parameters<typeof createLocalJWKSet>[0]), { issuer: discovery.issuer, audience: role.client_id });
  const { payload } = await verify(issued.body.data.token, jwks);
  assert.equal(payload.sub, login.entity_id);
  assert.deepEqual([payload.username, payload.team, payload.namespace], ['ci', 'blue', 'root']);
  assert.equal((payload.exp as number) - (payload.iat as number), 1800);

  // The root token has no entity, so it cannot get one.
  const noEntity = await api(s, 'GET', 'identity/oidc/token/ci', root);
  assert.deepEqual([noEntity.status, noEntity.body.errors], [400, ["no entity associated with the request's token"]]);

  // Rotation: new tokens carry the new kid; the old token still verifies against the new JWKS.
  assert.equal((await api(s, 'POST', 'identity/oidc/key/main/rotate', { ...root, body: {} })).status, 204);
  const after = (await api(s, 'GET', 'identity/oidc/token/ci', { token: login.client_token })).body.data.token as string;
  assert.notEqual(decodeProtectedHeader(after).kid, decodeProtectedHeader(issued.body.data.token).kid);
  const jwks2 = await getJson(discovery.jwks_uri);
  assert.equal(jwks2.keys.length, 2);
  await verify(after, jwks2);
  await verify(issued.body.data.token, jwks2);
  // A forged token (signed claims altered) is refused.
  const [h, p, sig] = after.split('.') as [string, string, string];
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')}.${sig}`;
  await assert.rejects(verify(forged, jwks2));

  const inUse = await api(s, 'DELETE', 'identity/oidc/key/main', root);
  assert.deepEqual([inUse.status, inUse.body.errors], [400, ['unable to delete key "main" because it is currently referenced by these roles: ci']]);
  assert.deepEqual((await api(s, 'LIST', 'identity/oidc/role', root)).body.data.keys, ['ci']);
});

test('identity tokens: a key rotates by itself once rotation_period has passed; a rotated-out key leaves the JWKS after verification_ttl', async (t) => {
  const clock = new FakeClock(Date.now());
  const s = await startTestServer({ clock });
  t.after(() => s.close());
  const root = { token: s.rootToken };
  await api(s, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } });
  await api(s, 'POST', 'sys/policy/idtoken', { ...root, body: { policy: 'path "identity/oidc/token/*" { capabilities = ["read"] }' } });
  await api(s, 'POST', 'auth/userpass/users/ci', { ...root, body: { password: 'pw-ci-1', token_policies: 'idtoken', token_ttl: '48h' } });
  assert.equal((await api(s, 'POST', 'identity/oidc/key/k', { ...root, body: { allowed_client_ids: '*', rotation_period: '1h', verification_ttl: '2h' } })).status, 204);
  assert.equal((await api(s, 'POST', 'identity/oidc/role/r', { ...root, body: { key: 'k', ttl: '1h' } })).status, 204);
  const token = (await api(s, 'POST', 'auth/userpass/login/ci', { body: { password: 'pw-ci-1' } })).body.auth.client_token as string;
  const kid = async () => decodeProtectedHeader((await api(s, 'GET', 'identity/oidc/token/r', { token })).body.data.token).kid;
  const published = async () => (await getJson(`${s.url}/v1/identity/oidc/.well-known/keys`)).keys.map((k: { kid: string }) => k.kid).sort();
  const first = await kid();
  assert.equal(await kid(), first, 'no rotation before rotation_period');
  clock.advance(3601);
  const second = await kid();
  assert.notEqual(second, first);
  assert.deepEqual(await published(), [first, second].sort());
  clock.advance(2 * 3600 + 1);
  const third = await kid();
  assert.deepEqual(await published(), [second, third].sort(), 'the first key is gone once its verification_ttl passed');
});
