/**
 * examples/jwt-ci (CI pipelines log in with their OIDC token): the operator commands from
 * examples/jwt-ci/README.md run through the real CLI against a local OIDC provider
 * standing in for the CI platform; pipeline.sh runs as a separate process with a
 * GitHub-Actions-shaped ID token; a job of another branch or audience is refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnWard } from '../../src/cli/testing.js';
import { startOidcProvider } from '../fakes/oidc-provider/index.js';
import { REPO_ROOT } from '../helpers/process.js';
import { api, startTestServer } from '../helpers/server.js';
import { ok, runProgram } from './pattern-harness.js';

const EXAMPLE = join(REPO_ROOT, 'examples', 'jwt-ci');
const AUD = 'https://ward.example.com';

test('examples/jwt-ci: a CI job logs in with its OIDC token and reads one secret', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const ci = await startOidcProvider();
  t.after(() => ci.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-p6-'));
  const root = (...argv: string[]) => spawnWard(argv, { VAULT_ADDR: server.url, VAULT_TOKEN: server.rootToken, HOME: home });
  const rootIn = (stdin: string, ...argv: string[]) => spawnWard(argv, { VAULT_ADDR: server.url, VAULT_TOKEN: server.rootToken, HOME: home }, stdin);

  // Operator, as in the README (the local provider's CA stands in for the public roots).
  await ok(root('auth', 'enable', 'jwt'));
  await ok(root('write', 'auth/jwt/config', `oidc_discovery_url=${ci.issuer}`, `bound_issuer=${ci.issuer}`, `oidc_discovery_ca_pem=${ci.caPem}`));
  await ok(root('policy', 'write', 'deploy', join(EXAMPLE, 'policy-deploy.hcl')));
  await ok(rootIn(JSON.stringify({
    role_type: 'jwt', user_claim: 'repository', bound_audiences: [AUD], bound_claims_type: 'glob',
    bound_claims: { sub: 'repo:acme/app:ref:refs/heads/main' }, claim_mappings: { repository: 'repository', ref: 'ref' },
    token_policies: ['deploy'], token_ttl: '10m',
  }), 'write', 'auth/jwt/role/deploy', '-'));
  await ok(root('kv', 'put', 'secret/ci/deploy', 'password=d3ploy-pw'));
  await ok(root('kv', 'put', 'secret/ci/other', 'password=nope'));

  const now = Math.floor(Date.now() / 1000);
  const idToken = (o: { ref?: string; aud?: string } = {}) => {
    const ref = o.ref ?? 'refs/heads/main';
    return ci.sign({ iss: ci.issuer, aud: o.aud ?? AUD, sub: `repo:acme/app:ref:${ref}`, repository: 'acme/app', ref, iat: now, nbf: now, exp: now + 300 });
  };
  const pipeline = async (token: string) => runProgram('bash', [join(EXAMPLE, 'pipeline.sh')], { VAULT_ADDR: server.url, CI_OIDC_TOKEN: token, HOME: home });

  const r = await pipeline(await idToken());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'pipeline: logged in through auth/jwt; read secret/ci/deploy (9 characters)\n');
  assert.doesNotMatch(r.stdout + r.stderr, /d3ploy-pw/);

  const branch = await pipeline(await idToken({ ref: 'refs/heads/feature' }));
  assert.notEqual(branch.code, 0);
  assert.match(branch.stderr, /error validating claims: claim "sub" does not match any associated bound claim values/);
  const aud = await pipeline(await idToken({ aud: 'https://someone-else.example' }));
  assert.match(aud.stderr, /invalid audience \(aud\) claim: audience claim does not match any expected audience/);

  // The job's token reads only its own secret.
  const login = await api(server, 'POST', 'auth/jwt/login', { body: { role: 'deploy', jwt: await idToken() } });
  assert.equal((await api(server, 'GET', 'secret/data/ci/other', { token: login.body.auth.client_token })).status, 403);
});
