/**
 * With no `issuer` configured, identity tokens and OIDC providers take their `iss` from the
 * server's api address (Vault: api_addr, the env's VAULT_API_ADDR first, the listener in
 * dev mode), so discovery works without configuring an issuer first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, startTestServer } from '../../helpers/server.js';
import { freePort, spawnWard, waitForHealth, type WardProcess } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

// any: discovery documents are asserted field by field.
const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

test('default issuer: the api address plus Vault\'s path, for identity tokens and providers; an explicit issuer still wins', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const root = { token: s.rootToken };
  const tokens = await getJson(`${s.url}/v1/identity/oidc/.well-known/openid-configuration`);
  assert.equal(tokens.issuer, `${s.url}/v1/identity/oidc`);
  assert.equal(tokens.jwks_uri, `${s.url}/v1/identity/oidc/.well-known/keys`);
  const def = await getJson(`${s.url}/v1/identity/oidc/provider/default/.well-known/openid-configuration`);
  assert.equal(def.issuer, `${s.url}/v1/identity/oidc/provider/default`);
  assert.equal(def.token_endpoint, `${s.url}/v1/identity/oidc/provider/default/token`);
  assert.equal((await api(s, 'POST', 'identity/oidc/provider/p', { ...root, body: {} })).status, 204);
  assert.equal((await api(s, 'GET', 'identity/oidc/provider/p', root)).body.data.issuer, `${s.url}/v1/identity/oidc/provider/p`);
  // The config read shows what was set (nothing), as Vault's does, not the effective issuer.
  assert.equal((await api(s, 'GET', 'identity/oidc/config', root)).body.data.issuer, '');

  await api(s, 'POST', 'identity/oidc/config', { ...root, body: { issuer: 'https://ward.example.com:8200' } });
  assert.equal((await getJson(`${s.url}/v1/identity/oidc/.well-known/openid-configuration`)).issuer, 'https://ward.example.com:8200/v1/identity/oidc');
  await api(s, 'POST', 'identity/oidc/provider/p', { ...root, body: { issuer: 'https://idp.example.com' } });
  assert.equal((await api(s, 'GET', 'identity/oidc/provider/p', root)).body.data.issuer, 'https://idp.example.com/v1/identity/oidc/provider/p');
});

test('identity/oidc/config: scheme, host and port only, as Vault; an explicit issuer is written with Vault\'s warning', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const root = { token: s.rootToken };
  const invalid = 'invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)';
  for (const bad of ['https://example.com/path', 'https://example.com/', 'example.com', 'ftp://example.com', 'https://example.com?x=1']) {
    const r = await api(s, 'POST', 'identity/oidc/config', { ...root, body: { issuer: bad } });
    assert.deepEqual([r.status, r.body.errors], [400, [invalid]], bad);
  }
  const set = await api(s, 'POST', 'identity/oidc/config', { ...root, body: { issuer: 'https://ward.example.com:8200' } });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body.warnings, ['If "issuer" is set explicitly, all tokens must be validated against that address, including those issued by secondary clusters. Setting issuer to "" will restore the default behavior of using the cluster\'s api_addr as the issuer.']);
  assert.equal((await api(s, 'GET', 'identity/oidc/config', root)).body.data.issuer, 'https://ward.example.com:8200');
  assert.equal((await api(s, 'POST', 'identity/oidc/config', { ...root, body: { issuer: '' } })).status, 204);
  assert.equal((await getJson(`${s.url}/v1/identity/oidc/.well-known/openid-configuration`)).issuer, `${s.url}/v1/identity/oidc`);
});

test('default issuer of `ward server`: the dev listener, else VAULT_API_ADDR', { timeout: 60_000 }, async (t) => {
  const start = async (env: NodeJS.ProcessEnv): Promise<WardProcess> => {
    const port = await freePort();
    const p = spawnWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem'], `http://127.0.0.1:${port}`, env);
    t.after(() => p.kill());
    await waitForHealth(p);
    await waitFor('the dev banner', () => p.stdout().includes('Root Token:'), { context: () => p.stdout() });
    return p;
  };
  const dev = await start({ VAULT_API_ADDR: '', WARD_API_ADDR: '' });
  assert.equal((await getJson(`${dev.url}/v1/identity/oidc/.well-known/openid-configuration`)).issuer, `${dev.url}/v1/identity/oidc`);
  const env = await start({ VAULT_API_ADDR: 'https://ward.example.com:8200', WARD_API_ADDR: '' });
  assert.equal((await getJson(`${env.url}/v1/identity/oidc/provider/default/.well-known/openid-configuration`)).issuer, 'https://ward.example.com:8200/v1/identity/oidc/provider/default');
});
