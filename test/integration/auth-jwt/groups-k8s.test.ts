/**
 * JWT logins and identity: groups_claim values put the entity into the external groups
 * whose alias they name (so the group's policies apply, and stop applying when the
 * provider drops the group), and a Kubernetes service-account token logs in through the
 * cluster issuer's OIDC discovery with no TokenReview call.
 */
import assert from 'node:assert/strict';
import { decodeProtectedHeader } from 'jose';
import { test } from 'node:test';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { startOidcProvider } from '../../fakes/oidc-provider/index.js';
import { api, startTestServer } from '../../helpers/server.js';

const now = (): number => Math.floor(Date.now() / 1000);

test('groups_claim: external group policies apply to the login token and follow the provider', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const idp = await startOidcProvider();
  t.after(() => idp.close());
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/jwt', { ...root, body: { type: 'jwt' } })).status, 204);
  const accessor = (await api(ward, 'GET', 'sys/auth', root)).body.data['jwt/'].accessor as string;
  assert.equal((await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: idp.caPem } })).status, 204);
  assert.equal((await api(ward, 'POST', 'auth/jwt/role/dev', { ...root, body: { role_type: 'jwt', user_claim: 'email', groups_claim: 'groups', bound_audiences: 'ward' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'sys/policy/devs', { ...root, body: { policy: 'path "secret/data/devs/*" { capabilities = ["read"] }' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'secret/data/devs/db', { ...root, body: { data: { password: 'pw-1' } } })).status, 200);
  const group = await api(ward, 'POST', 'identity/group', { ...root, body: { name: 'devs', type: 'external', policies: 'devs' } });
  assert.equal((await api(ward, 'POST', 'identity/group-alias', { ...root, body: { name: 'Dev-Team', mount_accessor: accessor, canonical_id: group.body.data.id } })).status, 200);

  const jwt = (groups: unknown) => idp.sign({ iss: idp.issuer, sub: 'u1', email: 'ann@example.com', aud: 'ward', groups, iat: now(), exp: now() + 300 });
  const login = async (groups: unknown) => api(ward, 'POST', 'auth/jwt/login', { body: { role: 'dev', jwt: await jwt(groups) } });
  const read = (token: string) => api(ward, 'GET', 'secret/data/devs/db', { token });

  const first = await login(['dev-team', 'unknown-group']);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const token = first.body.auth.client_token as string;
  assert.deepEqual((await read(token)).body.data.data, { password: 'pw-1' });
  const lookup = (await api(ward, 'GET', 'auth/token/lookup-self', { token })).body.data;
  assert.deepEqual(lookup.identity_policies, ['devs']);
  assert.deepEqual((await api(ward, 'GET', `identity/group/id/${group.body.data.id}`, root)).body.data.member_entity_ids, [first.body.auth.entity_id]);

  // The provider drops the group: the next login takes the entity out, for every token of it.
  assert.equal((await login([])).status, 200);
  assert.equal((await read(token)).status, 403);
  assert.deepEqual((await api(ward, 'GET', `identity/group/id/${group.body.data.id}`, root)).body.data.member_entity_ids, []);

  const bad = await login('not-a-list-but-a-string');
  assert.equal(bad.status, 200, 'a single string is a one-element list');
  const worse = await login([{ nested: true }]);
  assert.deepEqual([worse.status, worse.body.errors], [400, ['value {"nested":true} in groups claim could not be parsed as string']]);
});

test('a Kubernetes service-account token logs in through the cluster issuer\'s OIDC discovery', async (t) => {
  const idp = await startOidcProvider();
  t.after(() => idp.close());
  // The cluster's service-account issuer is the discovery server (as with --service-account-issuer and a public discovery document).
  const kube = await startFakeKubeApiServer({ issuer: idp.issuer });
  t.after(() => kube.close());
  const ward = await startTestServer();
  t.after(() => ward.close());
  const root = { token: ward.rootToken };
  const sa = await kube.issueToken({ namespace: 'prod', name: 'billing', audiences: ['ward'] });
  const header = decodeProtectedHeader(sa);
  await idp.publish(kube.publicKeyPem, header.kid as string, header.alg as string);

  assert.equal((await api(ward, 'POST', 'sys/auth/jwt', { ...root, body: { type: 'jwt' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: idp.caPem, bound_issuer: idp.issuer } })).status, 204);
  const role = await api(ward, 'POST', 'auth/jwt/role/prod', {
    ...root,
    body: {
      role_type: 'jwt', user_claim: 'sub', bound_audiences: 'ward', bound_claims: { '/kubernetes.io/namespace': 'prod' },
      claim_mappings: { '/kubernetes.io/namespace': 'namespace', '/kubernetes.io/serviceaccount/name': 'service_account' },
    },
  });
  assert.equal(role.status, 204, JSON.stringify(role.body));
  const reviewsBefore = kube.reviews.length;
  const r = await api(ward, 'POST', 'auth/jwt/login', { body: { role: 'prod', jwt: sa } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.auth.metadata, { role: 'prod', namespace: 'prod', service_account: 'billing' });
  assert.equal(kube.reviews.length, reviewsBefore, 'no TokenReview call');
  const entity = (await api(ward, 'GET', `identity/entity/id/${r.body.auth.entity_id}`, root)).body.data;
  assert.equal(entity.aliases[0].name, 'system:serviceaccount:prod:billing');

  const otherNs = await kube.issueToken({ namespace: 'dev', name: 'billing', audiences: ['ward'] });
  const refused = await api(ward, 'POST', 'auth/jwt/login', { body: { role: 'prod', jwt: otherNs } });
  assert.deepEqual([refused.status, refused.body.errors], [400, ['error validating claims: claim "/kubernetes.io/namespace" does not match any associated bound claim values']]);
  const forged = await api(ward, 'POST', 'auth/jwt/login', { body: { role: 'prod', jwt: await kube.forgeToken({ namespace: 'prod', name: 'billing', audiences: ['ward'] }) } });
  assert.equal(forged.status, 400);
  assert.match(forged.body.errors[0], /^error validating token: error verifying token signature/);
});
