/**
 * The OIDC browser flow end to end against the local provider: auth_url (state, nonce,
 * PKCE S256, redirect URI allow-list), the provider's redirect followed by hand, the
 * callback exchanging the code with the client secret and verifier; one-time state,
 * client_nonce, a bad code, and response_mode=form_post.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test } from 'node:test';
import { enableCodeFlow } from '../../fakes/oidc-provider/code-flow.js';
import { startOidcProvider } from '../../fakes/oidc-provider/index.js';
import { api, startTestServer } from '../../helpers/server.js';

const REDIRECT = 'http://localhost:8250/oidc/callback';

/** One GET without following redirects, trusting only `ca` (what a browser does for one hop). */
function browserGet(url: string, ca: string): Promise<{ status: number; location: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, minVersion: 'TLSv1.2' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? '', body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('OIDC browser flow: auth_url, provider redirect, callback code exchange with PKCE', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const idp = await startOidcProvider();
  t.after(() => idp.close());
  const flow = enableCodeFlow(idp, {
    clientId: 'ward-client', clientSecret: 'cs-9f8e', redirectUris: [REDIRECT, 'http://localhost:9999/oidc/callback'],
    user: () => ({ sub: 'u-ann', email: 'ann@example.com', groups: ['admins'] }),
  });
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/oidc', { ...root, body: { type: 'oidc' } })).status, 204);
  const cfg = await api(ward, 'POST', 'auth/oidc/config', {
    ...root, body: { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: idp.caPem, oidc_client_id: 'ward-client', oidc_client_secret: 'cs-9f8e', default_role: 'web' },
  });
  assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
  assert.ok(!JSON.stringify((await api(ward, 'GET', 'auth/oidc/config', root)).body).includes('cs-9f8e'), 'the client secret is write-only');
  const role = await api(ward, 'POST', 'auth/oidc/role/web', {
    ...root, body: { user_claim: 'email', allowed_redirect_uris: [REDIRECT], claim_mappings: { sub: 'subject' }, oidc_scopes: 'profile,email', token_policies: 'people' },
  });
  assert.equal(role.status, 204, JSON.stringify(role.body));

  const start = async (body: Record<string, unknown> = {}) => {
    const r = await api(ward, 'POST', 'auth/oidc/oidc/auth_url', { body: { redirect_uri: REDIRECT, ...body } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.data.auth_url as string;
  };
  const url = new URL(await start());
  const q = url.searchParams;
  assert.equal(`${url.origin}${url.pathname}`, `${idp.issuer}/authorize`);
  assert.deepEqual(
    [q.get('client_id'), q.get('response_type'), q.get('redirect_uri'), q.get('scope'), q.get('code_challenge_method')],
    ['ward-client', 'code', REDIRECT, 'openid profile email', 'S256'],
  );
  assert.ok((q.get('state') ?? '').length >= 32 && (q.get('nonce') ?? '').length >= 32 && (q.get('code_challenge') ?? '').length === 43);

  // The provider sends the browser back to the CLI's listener with code and state.
  const hop = await browserGet(url.toString(), idp.caPem);
  assert.equal(hop.status, 302);
  const back = new URL(hop.location);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  const callback = (params: URLSearchParams) => api(ward, 'GET', `auth/oidc/oidc/callback?${params.toString()}`);
  const done = await callback(back.searchParams);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.deepEqual(done.body.auth.metadata, { role: 'web', subject: 'u-ann' });
  assert.deepEqual(done.body.auth.policies, ['default', 'people']);
  assert.ok(done.body.auth.entity_id);
  assert.equal((await api(ward, 'GET', 'auth/token/lookup-self', { token: done.body.auth.client_token })).body.data.display_name, 'oidc-ann@example.com');

  const replay = await callback(back.searchParams);
  assert.deepEqual([replay.status, replay.body.errors], [400, ['Vault login failed. Expired or missing OAuth state.']]);

  // Unknown redirect URIs get an empty URL; a loopback URI may use another port.
  assert.equal(await start({ redirect_uri: 'https://evil.example/cb' }), '');
  assert.notEqual(await start({ redirect_uri: 'http://localhost:9999/oidc/callback' }), '');

  // A forged code is refused by the provider, and the login fails with Vault's text.
  const s2 = new URL(await start()).searchParams.get('state') ?? '';
  const bad = await callback(new URLSearchParams({ state: s2, code: 'forged' }));
  assert.deepEqual([bad.status, bad.body.errors], [400, ['Vault login failed. Error exchanging oidc code: "oauth2: cannot fetch token: invalid_grant".']]);
  assert.deepEqual(flow.refusals, ['code']);

  // client_nonce given to auth_url must come back on the callback.
  const withNonce = new URL(await start({ client_nonce: 'cn-123' }));
  const hop2 = new URL((await browserGet(withNonce.toString(), idp.caPem)).location);
  const noNonce = await callback(hop2.searchParams);
  assert.deepEqual([noNonce.status, noNonce.body.errors], [400, ['invalid client_nonce']]);

  // An oidc role cannot be used with a bare JWT.
  const jwtLogin = await api(ward, 'POST', 'auth/oidc/login', { body: { role: 'web', jwt: 'x' } });
  assert.deepEqual(jwtLogin.body.errors, ['role with oidc role_type is not allowed']);
  assert.deepEqual((await api(ward, 'POST', 'auth/oidc/oidc/auth_url', { body: {} })).body.errors, ['missing redirect_uri']);
});

test('OIDC browser flow with response_mode=form_post', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const idp = await startOidcProvider();
  t.after(() => idp.close());
  enableCodeFlow(idp, { clientId: 'c1', clientSecret: 's1', redirectUris: [REDIRECT], user: () => ({ sub: 'u-bob' }) });
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/oidc', { ...root, body: { type: 'oidc' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'auth/oidc/config', { ...root, body: { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: idp.caPem, oidc_client_id: 'c1', oidc_client_secret: 's1', oidc_response_mode: 'form_post' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'auth/oidc/role/web', { ...root, body: { user_claim: 'sub', allowed_redirect_uris: REDIRECT } })).status, 204);
  const url = (await api(ward, 'POST', 'auth/oidc/oidc/auth_url', { body: { role: 'web', redirect_uri: REDIRECT } })).body.data.auth_url as string;
  assert.equal(new URL(url).searchParams.get('response_mode'), 'form_post');
  const page = await browserGet(url, idp.caPem);
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page.body)?.[1] ?? '';
  // The browser posts the form to the callback (as Ward's UI route would receive it).
  const posted = await fetch(`${ward.url}/v1/auth/oidc/oidc/callback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code: field('code'), state: field('state') }).toString(),
  });
  assert.equal(posted.status, 200);
  const next = /url=([^"]+)"/.exec(await posted.text())?.[1] ?? '';
  const params = new URL(next.replace(/&amp;/g, '&')).searchParams;
  assert.equal(params.get('code'), 'no_code');
  const done = await api(ward, 'GET', `auth/oidc/oidc/callback?${params.toString()}`);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.auth.metadata.role, 'web');
});

test('OIDC callback refuses an ID token with another nonce, audience or issuer (a replayed or foreign token)', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const idp = await startOidcProvider();
  t.after(() => idp.close());
  let tamper: (c: Record<string, unknown>) => Record<string, unknown> = (c) => c;
  enableCodeFlow(idp, { clientId: 'c1', clientSecret: 's1', redirectUris: [REDIRECT], user: () => ({ sub: 'u-eve' }), tamper: (c) => tamper(c) });
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/oidc', { ...root, body: { type: 'oidc' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'auth/oidc/config', { ...root, body: { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: idp.caPem, oidc_client_id: 'c1', oidc_client_secret: 's1' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'auth/oidc/role/web', { ...root, body: { user_claim: 'sub', allowed_redirect_uris: REDIRECT } })).status, 204);
  const attempt = async () => {
    const url = (await api(ward, 'POST', 'auth/oidc/oidc/auth_url', { body: { role: 'web', redirect_uri: REDIRECT } })).body.data.auth_url as string;
    const back = new URL((await browserGet(url, idp.caPem)).location);
    return api(ward, 'GET', `auth/oidc/oidc/callback?${back.searchParams.toString()}`);
  };
  const cases: [(c: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
    [(c) => ({ ...c, nonce: 'nonce-of-another-login' }), /invalid id_token nonce/],
    [(c) => { const { nonce: _n, ...rest } = c; return rest; }, /invalid id_token nonce/],
    [(c) => ({ ...c, aud: 'another-client' }), /invalid audience/],
    [(c) => ({ ...c, iss: 'https://evil.example' }), /invalid issuer/],
  ];
  for (const [fn, want] of cases) {
    tamper = fn;
    const r = await attempt();
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.errors[0], /^Vault login failed\. Error exchanging oidc code: /);
    assert.match(r.body.errors[0], want);
  }
  tamper = (c) => c;
  assert.equal((await attempt()).status, 200, 'the untampered flow still logs in');
});
