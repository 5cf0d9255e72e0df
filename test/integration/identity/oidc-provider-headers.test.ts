/**
 * The OIDC provider's HTTP headers, as Vault sends them: token responses are not to be
 * cached (Cache-Control: no-store, Pragma: no-cache; RFC 6749 §5.1), a client that failed
 * to authenticate is challenged (WWW-Authenticate: Basic), a userinfo call with a bad
 * access token is challenged per RFC 6750 §3, and the discovery documents may be cached
 * for an hour.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, startTestServer } from '../../helpers/server.js';
import { REDIRECT, setup } from './oidc-provider-setup.js';

test('OIDC provider headers: token, userinfo and discovery', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { alice, client } = await setup(s);
  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/v1/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
  const basic = (secret: string) => ({ Authorization: `Basic ${Buffer.from(`${client.client_id}:${secret}`).toString('base64')}` });
  const tokenPath = 'identity/oidc/provider/main/token';

  const code = (await api(s, 'POST', 'identity/oidc/provider/main/authorize', { token: alice.client_token, body: { client_id: client.client_id, redirect_uri: REDIRECT, scope: 'openid', response_type: 'code' } })).body.code as string;
  const good = await post(tokenPath, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(client.client_secret));
  assert.equal(good.status, 200);
  assert.deepEqual([good.headers.get('cache-control'), good.headers.get('pragma'), good.headers.get('www-authenticate')], ['no-store', 'no-cache', null]);
  const { access_token: accessToken } = (await good.json()) as { access_token: string };

  const wrong = await post(tokenPath, { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, basic('hvo_secret_wrong'));
  assert.equal(wrong.status, 401);
  assert.deepEqual([wrong.headers.get('cache-control'), wrong.headers.get('pragma'), wrong.headers.get('www-authenticate')], ['no-store', 'no-cache', 'Basic']);
  const badGrant = await post(tokenPath, { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, basic(client.client_secret));
  assert.equal(badGrant.status, 400);
  assert.deepEqual([badGrant.headers.get('pragma'), badGrant.headers.get('www-authenticate')], ['no-cache', null]);

  const userinfo = (auth?: string) => fetch(`${s.url}/v1/identity/oidc/provider/main/userinfo`, auth === undefined ? {} : { headers: { Authorization: auth } });
  const ok = await userinfo(`Bearer ${accessToken}`);
  assert.deepEqual([ok.status, ok.headers.get('www-authenticate')], [200, null]);
  const bogus = await userinfo('Bearer not-an-access-token');
  const bogusBody = (await bogus.json()) as { error: string; error_description: string };
  assert.equal(bogus.status, 401);
  assert.equal(bogus.headers.get('www-authenticate'), `Bearer error="invalid_token",error_description="${bogusBody.error_description}"`);

  for (const path of ['identity/oidc/provider/main/.well-known/openid-configuration', 'identity/oidc/.well-known/openid-configuration']) {
    const r = await fetch(`${s.url}/v1/${path}`);
    assert.deepEqual([r.status, r.headers.get('cache-control')], [200, 'max-age=3600'], path);
  }
  // The identity token JWKS may be cached until the next rotation (app-key: 24h).
  const maxAge = Number(/^max-age=(\d+)$/.exec((await fetch(`${s.url}/v1/identity/oidc/.well-known/keys`)).headers.get('cache-control') ?? '')?.[1]);
  assert.ok(maxAge > 86_000 && maxAge <= 86_400, String(maxAge));
  // Vault sends the provider's JWKS without a cache lifetime: the no-store every answer has.
  assert.equal((await fetch(`${s.url}/v1/identity/oidc/provider/main/.well-known/keys`)).headers.get('cache-control'), 'no-store');
});
