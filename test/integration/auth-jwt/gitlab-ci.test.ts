/**
 * A GitLab CI ID token (`id_tokens:` in .gitlab-ci.yml) logs in through the instance's OIDC
 * discovery, as the GitHub Actions one does in examples/jwt-ci: the claims are GitLab's
 * shape (string "true"/"false" flags, project and namespace paths, a sub naming project
 * and ref), bound with globs so only protected branches of one group's projects get in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOidcProvider } from '../../fakes/oidc-provider/index.js';
import { api, startTestServer } from '../../helpers/server.js';

const now = (): number => Math.floor(Date.now() / 1000);

test('GitLab CI id_tokens: protected branches of one group log in and read their secret; others are refused', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const gitlab = await startOidcProvider();
  t.after(() => gitlab.close());
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/jwt', { ...root, body: { type: 'jwt' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { oidc_discovery_url: gitlab.issuer, oidc_discovery_ca_pem: gitlab.caPem, bound_issuer: gitlab.issuer } })).status, 204);
  assert.equal((await api(ward, 'POST', 'sys/policy/deploy', { ...root, body: { policy: 'path "secret/data/acme/deploy" { capabilities = ["read"] }' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'secret/data/acme/deploy', { ...root, body: { data: { key: 'k-1' } } })).status, 200);
  const role = await api(ward, 'POST', 'auth/jwt/role/gitlab-deploy', {
    ...root,
    body: {
      role_type: 'jwt', user_claim: 'user_login', bound_audiences: 'https://ward.example.com', bound_claims_type: 'glob',
      bound_claims: { namespace_path: 'acme', project_path: 'acme/*', ref_type: 'branch', ref_protected: 'true' },
      claim_mappings: { project_path: 'project', ref: 'ref', pipeline_id: 'pipeline' }, token_policies: 'deploy', token_ttl: '10m',
    },
  });
  assert.equal(role.status, 204, JSON.stringify(role.body));
  const claims = (o: Record<string, unknown> = {}) => ({
    iss: gitlab.issuer, aud: 'https://ward.example.com', sub: 'project_path:acme/app:ref_type:branch:ref:main', iat: now(), nbf: now() - 5, exp: now() + 300,
    namespace_id: '42', namespace_path: 'acme', project_id: '7', project_path: 'acme/app', user_id: '3', user_login: 'ann', user_email: 'ann@example.com',
    pipeline_id: '1001', pipeline_source: 'push', job_id: '5005', ref: 'main', ref_type: 'branch', ref_path: 'refs/heads/main', ref_protected: 'true', runner_environment: 'gitlab-hosted', ...o,
  });
  const login = async (o?: Record<string, unknown>) => api(ward, 'POST', 'auth/jwt/login', { body: { role: 'gitlab-deploy', jwt: await gitlab.sign(claims(o)) } });

  const ok = await login();
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.auth.metadata, { role: 'gitlab-deploy', project: 'acme/app', ref: 'main', pipeline: '1001' });
  const token = ok.body.auth.client_token as string;
  assert.deepEqual((await api(ward, 'GET', 'secret/data/acme/deploy', { token })).body.data.data, { key: 'k-1' });
  const entity = (await api(ward, 'GET', `identity/entity/id/${ok.body.auth.entity_id}`, root)).body.data;
  assert.equal(entity.aliases[0].name, 'ann');

  const refusedClaim = (claim: string) => [400, { errors: [`error validating claims: claim "${claim}" does not match any associated bound claim values`] }];
  const unprotected = await login({ ref: 'feature-x', ref_protected: 'false' });
  assert.deepEqual([unprotected.status, unprotected.body], refusedClaim('ref_protected'));
  const otherGroup = await login({ namespace_path: 'evil', project_path: 'evil/app' });
  assert.deepEqual([otherGroup.status, otherGroup.body], refusedClaim('namespace_path'));
  const tag = await login({ ref_type: 'tag' });
  assert.deepEqual([tag.status, tag.body], refusedClaim('ref_type'));
  const otherAud = await login({ aud: 'https://gitlab.com' });
  assert.deepEqual([otherAud.status, otherAud.body.errors], [400, ['error validating token: invalid audience (aud) claim: audience claim does not match any expected audience']]);
});
