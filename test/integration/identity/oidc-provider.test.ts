/**
 * The identity OIDC provider (identity/oidc/provider/:name), driven over a real socket the
 * way a relying party would: an admin configures a key, an assignment, a templated scope,
 * a client and a provider; a userpass user's Ward token calls authorize; the test then
 * exchanges the code at the unauthenticated token endpoint, verifies the ID token with
 * jose against the provider's discovery document and JWKS, and calls userinfo.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { FakeClock } from '../../helpers/clock.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { b64url, form, REDIRECT, setup, type Json } from './oidc-provider-setup.js';

test('OIDC provider: authorization code flow with PKCE, verified by a relying party with jose', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { root, alice, mallory, client } = await setup(s);

  assert.equal(client.client_type, 'confidential');
  assert.match(client.client_id, /^[A-Za-z0-9]{32}$/);
  assert.match(client.client_secret, /^hvo_secret_[A-Za-z0-9]{64}$/);
  assert.deepEqual([client.key, client.id_token_ttl, client.access_token_ttl, client.redirect_uris, client.assignments], ['app-key', 1800, 3600, [REDIRECT], ['engineers']]);
  const provider = (await api(s, 'GET', 'identity/oidc/provider/main', root)).body.data;
  assert.deepEqual(provider, { issuer: `${s.url}/v1/identity/oidc/provider/main`, allowed_client_ids: [client.client_id], scopes_supported: ['user'] });

  // Discovery and JWKS: no token needed.
  const disc: Json = await (await fetch(`${s.url}/v1/identity/oidc/provider/main/.well-known/openid-configuration`)).json();
  assert.equal(disc.issuer, provider.issuer);
  assert.equal(disc.token_endpoint, `${provider.issuer}/token`);
  assert.equal(disc.userinfo_endpoint, `${provider.issuer}/userinfo`);
  assert.deepEqual(disc.scopes_supported, ['user', 'openid']);
  assert.deepEqual(disc.code_challenge_methods_supported, ['plain', 'S256']);
  const jwks: Json = await (await fetch(disc.jwks_uri)).json();
  assert.equal(jwks.keys.length, 1);

  // Authorize as alice with an S256 challenge.
  const verifier = b64url(randomBytes(40));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const authorize = (token: string, extra: Record<string, string> = {}) =>
    api(s, 'POST', 'identity/oidc/provider/main/authorize', {
      token,
      body: { client_id: client.client_id, redirect_uri: REDIRECT, scope: 'openid user', response_type: 'code', state: 'st-1', nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256', max_age: 600, ...extra },
    });
  const auth = await authorize(alice.client_token);
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  assert.equal(auth.body.state, 'st-1');
  assert.match(auth.body.code, /^[A-Za-z0-9]{32}$/);

  // Refusals at authorize, each with Vault's OAuth error body.
  const wrongRedirect = await authorize(alice.client_token, { redirect_uri: 'https://evil.example.com/cb' });
  assert.deepEqual([wrongRedirect.status, wrongRedirect.body], [400, { error: 'invalid_redirect_uri', error_description: 'redirect_uri is not allowed for the client', state: 'st-1' }]);
  const noOpenid = await authorize(alice.client_token, { scope: 'user' });
  assert.deepEqual([noOpenid.status, noOpenid.body.error, noOpenid.body.error_description], [400, 'invalid_request', 'scope parameter must contain the "openid" value']);
  const badType = await authorize(alice.client_token, { response_type: 'token' });
  assert.deepEqual([badType.status, badType.body.error], [400, 'unsupported_response_type']);
  const notAssigned = await authorize(mallory.client_token);
  assert.deepEqual([notAssigned.status, notAssigned.body], [400, { error: 'access_denied', error_description: 'identity entity not authorized by client assignment', state: 'st-1' }]);
  const rootNoEntity = await authorize(s.rootToken);
  assert.deepEqual([rootNoEntity.status, rootNoEntity.body.error_description], [400, 'identity entity must be associated with the request']);

  const tokenPath = 'identity/oidc/provider/main/token';
  const exchange = { grant_type: 'authorization_code', code: auth.body.code as string, redirect_uri: REDIRECT, code_verifier: verifier };
  const basic = (secret: string) => ({ Authorization: `Basic ${Buffer.from(`${client.client_id}:${secret}`).toString('base64')}` });

  // A wrong secret is refused before the code is looked at, so the code survives it.
  const wrongSecret = await form(s, tokenPath, exchange, basic('hvo_secret_wrong'));
  assert.deepEqual([wrongSecret.status, wrongSecret.body], [401, { error: 'invalid_client', error_description: 'client failed to authenticate' }]);
  // Each of these consumes the code (single use), so each gets its own authorization.
  const fresh = async () => (await authorize(alice.client_token)).body.code as string;
  const wrongRedirectAtToken = await form(s, tokenPath, { ...exchange, code: await fresh(), redirect_uri: 'https://app.example.com/other' }, basic(client.client_secret));
  assert.deepEqual([wrongRedirectAtToken.status, wrongRedirectAtToken.body], [400, { error: 'invalid_grant', error_description: 'redirect_uri does not match the redirect_uri used in the authorization request' }]);
  const wrongVerifier = await form(s, tokenPath, { ...exchange, code: await fresh(), code_verifier: b64url(randomBytes(40)) }, basic(client.client_secret));
  assert.deepEqual([wrongVerifier.status, wrongVerifier.body], [400, { error: 'invalid_grant', error_description: 'invalid code_verifier for token exchange' }]);

  // The good exchange (client_secret_basic), then the same code again is refused.
  const tok = await form(s, tokenPath, exchange, basic(client.client_secret));
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  assert.deepEqual([tok.body.token_type, tok.body.expires_in], ['Bearer', 3600]);
  const reused = await form(s, tokenPath, exchange, basic(client.client_secret));
  assert.deepEqual([reused.status, reused.body], [400, { error: 'invalid_grant', error_description: 'authorization grant is invalid or expired' }]);

  // The relying party verifies the ID token against the published keys.
  const { payload, protectedHeader } = await jwtVerify(tok.body.id_token, createLocalJWKSet(jwks), { issuer: disc.issuer, audience: client.client_id });
  assert.equal(protectedHeader.alg, 'RS256');
  assert.equal(payload.sub, alice.entity_id);
  assert.equal(payload.nonce, 'n-1');
  assert.equal(payload.email, 'alice@example.com');
  assert.deepEqual(payload.groups, ['engineers']);
  assert.equal(typeof payload.auth_time, 'number');
  assert.equal((payload.exp as number) - (payload.iat as number), 1800);
  const atHash = b64url(createHash('sha256').update(tok.body.access_token).digest().subarray(0, 16));
  assert.equal(payload.at_hash, atHash);

  // userinfo with the access token as a Bearer token.
  const userinfo = async (token: string) => {
    const res = await fetch(`${s.url}/v1/identity/oidc/provider/main/userinfo`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const info = await userinfo(tok.body.access_token);
  assert.deepEqual([info.status, info.body], [200, { sub: alice.entity_id, email: 'alice@example.com', groups: ['engineers'] }]);
  const bogus = await userinfo('not-an-access-token');
  assert.deepEqual([bogus.status, bogus.body.error], [401, 'invalid_token']);
  // A Ward token is not an access token.
  assert.equal((await userinfo(alice.client_token)).status, 401);

  // client_secret_post works too.
  const posted = await form(s, tokenPath, { ...exchange, code: await fresh(), client_id: client.client_id, client_secret: client.client_secret });
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
});

test('OIDC provider: a public client must use PKCE and needs no secret', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { root, alice } = await setup(s);
  // An ES384 key this time: the ID token's alg and at_hash follow the client's key.
  assert.equal((await api(s, 'POST', 'identity/oidc/key/spa-key', { ...root, body: { algorithm: 'ES384', allowed_client_ids: '*' } })).status, 204);
  assert.equal((await api(s, 'POST', 'identity/oidc/client/spa', { ...root, body: { key: 'spa-key', redirect_uris: REDIRECT, assignments: 'engineers', client_type: 'public' } })).status, 204);
  const spa = (await api(s, 'GET', 'identity/oidc/client/spa', root)).body.data;
  assert.equal(spa.client_type, 'public');
  assert.equal(spa.client_secret, undefined);
  await api(s, 'POST', 'identity/oidc/provider/main', { ...root, body: { allowed_client_ids: '*' } });

  const base = { client_id: spa.client_id, redirect_uri: REDIRECT, scope: 'openid', response_type: 'code', state: 's' };
  const noPkce = await api(s, 'GET', `identity/oidc/provider/main/authorize?${new URLSearchParams(base)}`, { token: alice.client_token });
  assert.deepEqual([noPkce.status, noPkce.body.error_description], [400, 'PKCE is required for public clients']);
  const verifier = b64url(randomBytes(40));
  const code = (await api(s, 'GET', `identity/oidc/provider/main/authorize?${new URLSearchParams({ ...base, code_challenge: verifier, code_challenge_method: 'plain' })}`, { token: alice.client_token })).body.code;
  const tok = await form(s, 'identity/oidc/provider/main/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: spa.client_id, code_verifier: verifier });
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  const disc: Json = await (await fetch(`${s.url}/v1/identity/oidc/provider/main/.well-known/openid-configuration`)).json();
  const jwks: Json = await (await fetch(disc.jwks_uri)).json();
  assert.equal(jwks.keys.length, 2, 'the provider allows every client, so both clients\' keys are published');
  const { payload, protectedHeader } = await jwtVerify(tok.body.id_token, createLocalJWKSet(jwks), { issuer: disc.issuer, audience: spa.client_id });
  assert.equal(protectedHeader.alg, 'ES384');
  assert.equal(payload.at_hash, b64url(createHash('sha384').update(tok.body.access_token).digest().subarray(0, 24)));
  assert.equal(payload.sub, alice.entity_id);
  assert.equal(payload.email, undefined, 'the user scope was not requested');
});

test('OIDC provider: configuration and access tokens survive a restart; no secret is stored in plaintext', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-oidcprov-'));
  const sqlitePath = join(dir, 'ward.db');
  let s: TestServer = await startTestServer({ sqlitePath });
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { root, alice, client } = await setup(s);
  const verifier = b64url(randomBytes(40));
  const code = (await api(s, 'POST', 'identity/oidc/provider/main/authorize', {
    token: alice.client_token,
    body: { client_id: client.client_id, redirect_uri: REDIRECT, scope: 'openid user', response_type: 'code', state: 's', code_challenge: b64url(createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256' },
  })).body.code as string;
  const tok = await form(s, 'identity/oidc/provider/main/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client.client_id, client_secret: client.client_secret });
  assert.equal(tok.status, 200, JSON.stringify(tok.body));

  const key = s.unsealKeys[0] as string;
  await s.close();
  const bytes = Buffer.concat([sqlitePath, `${sqlitePath}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
  // Storage keys are not encrypted: seeing the client's key proves these are the bytes the records went to.
  assert.equal(bytes.includes(Buffer.from('oidc_provider/client/app')), true);
  for (const secret of [client.client_secret, tok.body.access_token, 'alice@example.com']) assert.equal(bytes.includes(Buffer.from(secret)), false, 'a secret reached storage in plaintext');

  s = await startTestServer({ sqlitePath, dev: false });
  assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
  assert.deepEqual((await api(s, 'GET', 'identity/oidc/client/app', root)).body.data, client);
  const res = await fetch(`${s.url}/v1/identity/oidc/provider/main/userinfo`, { headers: { Authorization: `Bearer ${tok.body.access_token}` } });
  assert.deepEqual([res.status, await res.json()], [200, { sub: alice.entity_id, email: 'alice@example.com', groups: ['engineers'] }]);
});

test('OIDC provider: max_age asks for a fresh login; codes and access tokens expire', async (t) => {
  const clock = new FakeClock(Date.now());
  const s = await startTestServer({ clock });
  t.after(() => s.close());
  const { client } = await setup(s);
  const alice = (await api(s, 'POST', 'auth/userpass/login/alice', { body: { password: 'pw-alice-1' } })).body.auth;
  const authorize = (maxAge: number) =>
    api(s, 'POST', 'identity/oidc/provider/main/authorize', { token: alice.client_token, body: { client_id: client.client_id, redirect_uri: REDIRECT, scope: 'openid', response_type: 'code', state: 's', max_age: maxAge } });
  const exchange = (code: string) => form(s, 'identity/oidc/provider/main/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: client.client_id, client_secret: client.client_secret });
  const loginAt = Math.floor(clock.now() / 1000);

  clock.advance(601);
  const stale = await authorize(600);
  assert.deepEqual([stale.status, stale.body], [400, { error: 'max_age_violation', error_description: 'active re-authentication is required by max_age', state: 's' }]);
  const fresh = await authorize(900);
  assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  const tok = await exchange(fresh.body.code);
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  const payload = JSON.parse(Buffer.from(tok.body.id_token.split('.')[1], 'base64url').toString());
  assert.ok(Math.abs(payload.auth_time - loginAt) <= 1, 'auth_time is the login time');

  // A code left unused for five minutes is void.
  const late = (await authorize(3600)).body.code as string;
  clock.advance(301);
  assert.deepEqual((await exchange(late)).body, { error: 'invalid_grant', error_description: 'authorization grant is invalid or expired' });
  // The access token lives access_token_ttl (1h here).
  const userinfo = async () => (await fetch(`${s.url}/v1/identity/oidc/provider/main/userinfo`, { headers: { Authorization: `Bearer ${tok.body.access_token}` } })).status;
  assert.equal(await userinfo(), 200);
  clock.advance(3600);
  assert.equal(await userinfo(), 401);
});
