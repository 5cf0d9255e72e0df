/**
 * The OIDC provider's configuration paths: built-in resources, Vault's refusals and
 * validation texts, path-help for every path, and OAuth errors for malformed requests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, startTestServer } from '../../helpers/server.js';
import { pathTableOf } from '../../../src/sdk/framework/backend.js';
import { form, REDIRECT, setup } from './oidc-provider-setup.js';

test('OIDC provider: built-in resources and deletes that are still referenced', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { root, client } = await setup(s);
  const list = async (p: string) => (await api(s, 'LIST', p, root)).body.data.keys;
  assert.deepEqual(await list('identity/oidc/assignment'), ['allow_all', 'engineers']);
  assert.deepEqual(await list('identity/oidc/provider'), ['default', 'main']);
  assert.deepEqual(await list('identity/oidc/scope'), ['user']);
  assert.deepEqual(await list('identity/oidc/client'), ['app']);
  assert.deepEqual((await api(s, 'GET', 'identity/oidc/provider/default', root)).body.data.allowed_client_ids, ['*']);
  assert.deepEqual((await api(s, 'GET', 'identity/oidc/assignment/allow_all', root)).body.data, { entity_ids: ['*'], group_ids: ['*'] });

  const err = async (method: string, p: string, body?: unknown) => {
    const r = await api(s, method, p, { ...root, ...(body !== undefined ? { body } : {}) });
    return [r.status, r.body?.errors];
  };
  assert.deepEqual(await err('DELETE', 'identity/oidc/assignment/engineers'), [400, ['unable to delete assignment "engineers" because it is currently referenced by these clients: app']]);
  assert.deepEqual(await err('DELETE', 'identity/oidc/scope/user'), [400, ['unable to delete scope "user" because it is currently referenced by these providers: main']]);
  assert.deepEqual(await err('DELETE', 'identity/oidc/key/app-key'), [400, ['unable to delete key "app-key" because it is currently referenced by these clients: app']]);
  assert.deepEqual(await err('DELETE', 'identity/oidc/provider/default'), [400, ['deletion of OIDC provider "default" not allowed']]);
  assert.deepEqual(await err('DELETE', 'identity/oidc/assignment/allow_all'), [400, ['deletion of assignment "allow_all" not allowed']]);
  assert.deepEqual(await err('POST', 'identity/oidc/scope/openid', { template: '{}' }), [400, ['the "openid" scope name is reserved']]);
  assert.deepEqual(await err('POST', 'identity/oidc/scope/bad', { template: '{"sub": "x"}' }), [400, ['top level key "sub" not allowed. Restricted keys: iat, aud, exp, iss, sub, namespace, nonce, auth_time, at_hash, c_hash']]);
  assert.deepEqual(await err('POST', 'identity/oidc/client/x', { key: 'nope' }), [400, ['key "nope" does not exist']]);
  assert.deepEqual(await err('POST', 'identity/oidc/client/x', { key: 'app-key', assignments: 'ghost' }), [400, ['assignment "ghost" does not exist']]);
  assert.deepEqual(await err('POST', 'identity/oidc/client/app', { key: 'default' }), [400, ['key modification is not allowed']]);
  assert.deepEqual(await err('POST', 'identity/oidc/client/x', { key: 'app-key', client_type: 'secretive' }), [400, ['invalid client_type "secretive"']]);
  assert.deepEqual(await err('POST', 'identity/oidc/provider/p', { scopes_supported: 'ghost' }), [400, ['scope "ghost" does not exist']]);
  assert.deepEqual(await err('POST', 'identity/oidc/provider/p', { issuer: 'https://example.com/path' }), [400, ['invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)']]);

  // A client on the default key works with the default provider (created lazily).
  assert.equal((await api(s, 'POST', 'identity/oidc/client/d', { ...root, body: { redirect_uris: REDIRECT, assignments: 'allow_all' } })).status, 204);
  assert.equal((await api(s, 'GET', 'identity/oidc/client/d', root)).body.data.key, 'default');
  assert.ok((await list('identity/oidc/key')).includes('default'));
  // Once the client is gone its assignment can go.
  assert.equal((await api(s, 'DELETE', 'identity/oidc/client/app', root)).status, 204);
  assert.equal((await api(s, 'DELETE', 'identity/oidc/assignment/engineers', root)).status, 204);
  assert.equal(client.client_id.length, 32);
});

test('OIDC provider: every provider path has a synopsis and every field a description, shown by path-help', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const table = pathTableOf(s.core.active!.router.get('identity/')!.backend)!;
  const ours = table.filter((d) => /^oidc\/(assignment|scope|client|provider)/.test(d.pattern));
  assert.equal(ours.length, 13);
  const missing: string[] = [];
  for (const def of ours) {
    if (!def.synopsis?.trim()) missing.push(`${def.pattern}: synopsis`);
    for (const [name, f] of Object.entries(def.fields)) if (!f.description.trim()) missing.push(`${def.pattern}: ${name}`);
  }
  assert.deepEqual(missing, []);
  const help = await api(s, 'GET', 'identity/oidc/provider/default/token?help=1', { token: s.rootToken });
  assert.equal(help.status, 200);
  assert.match(help.body.help, /Provides the OIDC Token Endpoint\./);
  assert.match(help.body.help, /^ {4}code_verifier \(string\)\n\n {8}\S/m);
});

test('OIDC provider: malformed token and userinfo requests get OAuth errors, never a 500', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const { client } = await setup(s);
  const tokenPath = 'identity/oidc/provider/main/token';
  const creds = { client_id: client.client_id, client_secret: client.client_secret };
  const cases: [Record<string, string>, number, string, string][] = [
    [{ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, 400, 'invalid_request', 'client_id parameter is required'],
    [{ client_id: 'nope', client_secret: 'x', grant_type: 'authorization_code' }, 401, 'invalid_client', 'client failed to authenticate'],
    [{ ...creds }, 400, 'invalid_request', 'grant_type parameter is required'],
    [{ ...creds, grant_type: 'password' }, 400, 'unsupported_grant_type', 'unsupported grant_type value'],
    [{ ...creds, grant_type: 'authorization_code' }, 400, 'invalid_request', 'code parameter is required'],
    [{ ...creds, grant_type: 'authorization_code', code: 'made-up', redirect_uri: REDIRECT }, 400, 'invalid_grant', 'authorization grant is invalid or expired'],
  ];
  for (const [fields, status, error, description] of cases) {
    const r = await form(s, tokenPath, fields);
    assert.deepEqual([r.status, r.body], [status, { error, error_description: description }], JSON.stringify(fields));
  }
  const unknown = await form(s, 'identity/oidc/provider/ghost/token', creds);
  assert.deepEqual([unknown.status, unknown.body], [400, { error: 'invalid_request', error_description: 'provider not found' }]);
  // A JSON body works as well as a form (Vault's API takes either).
  const json = await api(s, 'POST', tokenPath, { body: { ...creds, grant_type: 'implicit' } });
  assert.deepEqual([json.status, json.body.error], [400, 'unsupported_grant_type']);

  const noBearer = await fetch(`${s.url}/v1/identity/oidc/provider/main/userinfo`);
  assert.deepEqual([noBearer.status, await noBearer.json()], [401, { error: 'invalid_token', error_description: 'access token must be sent as a Bearer token' }]);
  assert.equal((await fetch(`${s.url}/v1/identity/oidc/provider/ghost/.well-known/openid-configuration`)).status, 404);
  assert.equal((await fetch(`${s.url}/v1/identity/oidc/provider/ghost/.well-known/keys`)).status, 404);
  const badMaxAge = await api(s, 'GET', `identity/oidc/provider/main/authorize?client_id=${client.client_id}&max_age=soon`, { token: s.rootToken });
  assert.equal(badMaxAge.status, 400);
});
