/**
 * The `default` identity key exists from the start, as in Vault (which writes its
 * configuration when the identity store initialises and makes key material on first
 * use): listed, readable with Vault's defaults, usable by a role, never deletable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, startTestServer } from '../../helpers/server.js';

test('identity/oidc/key/default: listed, read, used by a role and a token, rotated, not deleted', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const root = { token: s.rootToken };
  const list = await api(s, 'LIST', 'identity/oidc/key', root);
  assert.deepEqual([list.status, list.body.data.keys], [200, ['default']]);
  const read = await api(s, 'GET', 'identity/oidc/key/default', root);
  assert.deepEqual([read.status, read.body.data], [200, { algorithm: 'RS256', rotation_period: 86400, verification_ttl: 86400, allowed_client_ids: ['*'] }]);
  // Nothing is published until the key is used.
  assert.deepEqual((await (await fetch(`${s.url}/v1/identity/oidc/.well-known/keys`)).json()), { keys: [] });

  const del = await api(s, 'DELETE', 'identity/oidc/key/default', root);
  assert.deepEqual([del.status, del.body.errors], [400, ['deletion of key "default" not allowed']]);

  assert.equal((await api(s, 'POST', 'identity/oidc/key/mine', { ...root, body: {} })).status, 204);
  assert.deepEqual((await api(s, 'LIST', 'identity/oidc/key', root)).body.data.keys, ['default', 'mine']);

  // A role naming the default key works, and its token verifies against the published key.
  assert.equal((await api(s, 'POST', 'identity/oidc/role/r', { ...root, body: { key: 'default' } })).status, 204);
  await api(s, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } });
  await api(s, 'POST', 'sys/policy/tok', { ...root, body: { policy: 'path "identity/oidc/token/*" { capabilities = ["read"] }' } });
  await api(s, 'POST', 'auth/userpass/users/u', { ...root, body: { password: 'pw-u-1', token_policies: 'tok' } });
  const login = (await api(s, 'POST', 'auth/userpass/login/u', { body: { password: 'pw-u-1' } })).body.auth;
  const tok = await api(s, 'GET', 'identity/oidc/token/r', { token: login.client_token });
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  const kid = JSON.parse(Buffer.from(tok.body.data.token.split('.')[0], 'base64url').toString()).kid;
  const jwks = (await (await fetch(`${s.url}/v1/identity/oidc/.well-known/keys`)).json()) as { keys: { kid: string }[] };
  assert.ok(jwks.keys.some((k) => k.kid === kid), 'the default key is published once used');
  assert.equal(jwks.keys.length, 2, 'default and mine');

  // Updating the default key keeps what was not given (allowed_client_ids "*").
  assert.equal((await api(s, 'POST', 'identity/oidc/key/default', { ...root, body: { rotation_period: '12h' } })).status, 204);
  assert.deepEqual((await api(s, 'GET', 'identity/oidc/key/default', root)).body.data, { algorithm: 'RS256', rotation_period: 43200, verification_ttl: 86400, allowed_client_ids: ['*'] });
  assert.equal((await api(s, 'POST', 'identity/oidc/key/default/rotate', { ...root, body: {} })).status, 204);
});

test('identity/oidc/key/default: rotate and update before any use', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const root = { token: s.rootToken };
  assert.equal((await api(s, 'POST', 'identity/oidc/key/default/rotate', { ...root, body: {} })).status, 204);
  const fresh = await startTestServer();
  t.after(() => fresh.close());
  assert.equal((await api(fresh, 'POST', 'identity/oidc/key/default', { token: fresh.rootToken, body: { verification_ttl: '1h' } })).status, 204);
  assert.deepEqual((await api(fresh, 'GET', 'identity/oidc/key/default', { token: fresh.rootToken })).body.data, { algorithm: 'RS256', rotation_period: 86400, verification_ttl: 3600, allowed_client_ids: ['*'] });
});
