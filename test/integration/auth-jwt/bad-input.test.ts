/**
 * Hostile input to every JWT/OIDC path is a 4xx with Vault's error envelope, never a
 * 500, and no secret is echoed back.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { api, startTestServer } from '../../helpers/server.js';

test('jwt/oidc paths answer bad input with 4xx errors', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/jwt', { ...root, body: { type: 'jwt' } })).status, 204);
  const weird: unknown[] = [null, 7, true, [], ['a', 1], { x: { y: [] } }, 'x'.repeat(5000), '-----BEGIN CERTIFICATE-----\nzz\n-----END CERTIFICATE-----'];
  const cases: Array<[string, string, string[], boolean]> = [
    ['POST', 'auth/jwt/config', ['oidc_discovery_url', 'jwks_url', 'jwks_ca_pem', 'oidc_discovery_ca_pem', 'jwt_validation_pubkeys', 'jwt_supported_algs', 'oidc_response_mode', 'oidc_response_types', 'oidc_client_secret'], true],
    ['POST', 'auth/jwt/role/r', ['role_type', 'bound_audiences', 'bound_claims', 'bound_claims_type', 'claim_mappings', 'user_claim', 'clock_skew_leeway', 'token_ttl', 'allowed_redirect_uris'], true],
    ['POST', 'auth/jwt/login', ['role', 'jwt'], false],
    ['POST', 'auth/jwt/oidc/auth_url', ['role', 'redirect_uri', 'client_nonce'], false],
  ];
  for (const [method, path, fields, auth] of cases) {
    for (const f of fields) {
      for (const v of weird) {
        const r = await api(ward, method, path, { ...(auth ? root : {}), body: { [f]: v } });
        assert.ok(r.status >= 400 && r.status < 500 || r.status === 204, `${path} ${f}=${JSON.stringify(v).slice(0, 40)} → ${r.status} ${JSON.stringify(r.body)}`);
        if (r.status >= 400) assert.ok(Array.isArray(r.body?.errors), `${path} ${f}: error envelope`);
      }
    }
  }
  for (const q of ['', 'state=nope', 'state=&code=x', 'code=no_code&state=' + 'z'.repeat(3000)]) {
    const r = await api(ward, 'GET', `auth/jwt/oidc/callback?${q}`);
    assert.deepEqual([r.status, r.body.errors], [400, ['Vault login failed. Expired or missing OAuth state.']]);
  }
  // form_post is not configured: the POST leg is not allowed (an HTML answer, as the browser gets it).
  const posted = await fetch(`${ward.url}/v1/auth/jwt/oidc/callback`, { method: 'POST', body: JSON.stringify({ state: 'x', code: 'y' }) });
  assert.equal(posted.status, 405);
  await posted.text();
  const secret = await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { jwks_url: 'https://127.0.0.1:1/keys', oidc_client_secret: 'very-secret-value' } });
  assert.ok(!JSON.stringify(secret.body).includes('very-secret-value'));
  assert.equal((await api(ward, 'GET', 'sys/health')).status, 200);
});

test('an issuer that accepts connections and never answers fails the config write, bounded', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const sockets: Socket[] = [];
  const hang = createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
  t.after(() => {
    for (const s of sockets) s.destroy();
    hang.close();
  });
  await once(hang, 'listening');
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/jwt', { ...root, body: { type: 'jwt' } })).status, 204);
  const url = `https://127.0.0.1:${(hang.address() as AddressInfo).port}`;
  const r = await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { oidc_discovery_url: url } });
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /^error checking oidc discovery URL: .*no answer from https:\/\/127\.0\.0\.1:\d+ within \d+ ms/);
  assert.equal((await api(ward, 'GET', 'auth/jwt/config', root)).status, 404);
});
