/**
 * Agent auto-auth `jwt` end to end: the real `bin/ward agent` reads a JWT from a file and
 * logs in to a real Ward whose jwt method verifies it against a local JWKS (the OIDC
 * provider fake); the token lands in the sink, is renewed, and a new JWT written to the
 * file makes the agent log in again with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startOidcProvider } from '../fakes/oidc-provider/index.js';
import { api, startTestServer } from '../helpers/server.js';
import { put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

test('jwt auto-auth: sink token from the JWT file, renewal, and re-auth when a new JWT is written', async (t) => {
  const [server, idp] = await Promise.all([startTestServer(), startOidcProvider()]);
  t.after(async () => {
    await Promise.all([server.close(), idp.close()]);
  });
  const root = { token: server.rootToken };
  assert.equal((await api(server, 'POST', 'sys/auth/jwt-ci', { ...root, body: { type: 'jwt' } })).status, 204);
  const cfgRes = await api(server, 'POST', 'auth/jwt-ci/config', { ...root, body: { jwks_url: `${idp.issuer}/keys`, jwks_ca_pem: idp.caPem, bound_issuer: idp.issuer } });
  assert.equal(cfgRes.status, 204, JSON.stringify(cfgRes.body));
  // A 3s TTL renewed up to a 1h max: the agent must renew it to keep the sink token alive.
  const role = await api(server, 'POST', 'auth/jwt-ci/role/ci', { ...root, body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'ward', token_ttl: '3s', token_max_ttl: '1h' } });
  assert.equal(role.status, 204, JSON.stringify(role.body));
  const jwtFor = (sub: string) => {
    const now = Math.floor(Date.now() / 1000);
    return idp.sign({ iss: idp.issuer, aud: 'ward', sub, iat: now, nbf: now, exp: now + 600 });
  };

  const dir = tempDir();
  const jwtPath = put(dir, 'jwt', await jwtFor('pipeline-1'));
  const sink = join(dir, 'sink');
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method "jwt" {
    mount_path = "auth/jwt-ci"
    config = {
      path = "${jwtPath}"
      role = "ci"
      jwt_read_period = "100ms"
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
`);
  const agent = startAgent(server, cfg);
  t.after(() => agent.stop());

  const first = await waitFor('the sink token', () => tryRead(sink), 15_000, agent);
  const who = async (token: string) => (await api(server, 'GET', 'auth/token/lookup-self', { token })).body.data;
  assert.equal((await who(first)).meta.role, 'ci');
  assert.equal((await who(first)).display_name, 'jwt-ci-pipeline-1');
  assert.equal(existsSync(jwtPath), false, 'the JWT file is removed after reading (Vault default)');

  await waitFor('a renewal', () => /renewed auth token/.test(agent.log()), 15_000, agent);
  assert.equal((await api(server, 'GET', 'auth/token/lookup-self', { token: first })).status, 200, 'the renewed token is alive past its first TTL');

  put(dir, 'jwt', await jwtFor('pipeline-2'));
  const second = await waitFor('a new sink token', () => {
    const s = tryRead(sink);
    return s && s !== first ? s : undefined;
  }, 15_000, agent);
  assert.equal((await who(second)).display_name, 'jwt-ci-pipeline-2', 'logged in again with the new JWT');
  assert.match(agent.log(), /found new credentials, re-authenticating/);
  assert.doesNotMatch(agent.log(), new RegExp(first.replace(/[.]/g, '\\.')), 'no token in the log');
});
