/**
 * External group membership on renewal, as Vault does it: renewing a jwt token does not
 * re-read the provider's claims, it re-applies the group aliases the login carried to the
 * token's mount (so a later login with fewer groups is undone by renewing an older token,
 * and an operator's group-alias change takes effect at the next renewal). A mount that
 * reports no groups leaves the entity in no external group of that mount.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOidcProvider } from '../../fakes/oidc-provider/index.js';
import { api, startTestServer } from '../../helpers/server.js';

const now = (): number => Math.floor(Date.now() / 1000);

test('jwt renewal re-applies the login\'s group aliases; operator alias changes apply at renewal', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const idp = await startOidcProvider();
  t.after(() => idp.close());
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/jwt', { ...root, body: { type: 'jwt' } })).status, 204);
  const accessor = (await api(ward, 'GET', 'sys/auth', root)).body.data['jwt/'].accessor as string;
  assert.equal((await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: idp.caPem } })).status, 204);
  const role = { role_type: 'jwt', user_claim: 'email', groups_claim: 'groups', bound_audiences: 'ward', token_ttl: 300 };
  assert.equal((await api(ward, 'POST', 'auth/jwt/role/dev', { ...root, body: role })).status, 204);
  assert.equal((await api(ward, 'POST', 'sys/policy/devs', { ...root, body: { policy: 'path "secret/data/devs/*" { capabilities = ["read"] }' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'secret/data/devs/db', { ...root, body: { data: { password: 'pw-1' } } })).status, 200);
  const group = (await api(ward, 'POST', 'identity/group', { ...root, body: { name: 'devs', type: 'external', policies: 'devs' } })).body.data.id as string;
  const alias = await api(ward, 'POST', 'identity/group-alias', { ...root, body: { name: 'dev-team', mount_accessor: accessor, canonical_id: group } });
  assert.equal(alias.status, 200, JSON.stringify(alias.body));

  const login = async (groups: string[]) => {
    const jwt = await idp.sign({ iss: idp.issuer, sub: 'u1', email: 'ann@example.com', aud: 'ward', groups, iat: now(), exp: now() + 300 });
    const r = await api(ward, 'POST', 'auth/jwt/login', { body: { role: 'dev', jwt } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.auth as { client_token: string; entity_id: string };
  };
  const members = async () => (await api(ward, 'GET', `identity/group/id/${group}`, root)).body.data.member_entity_ids as string[];
  const reads = async (token: string) => (await api(ward, 'GET', 'secret/data/devs/db', { token })).status;
  const renew = async (token: string) => {
    const r = await api(ward, 'POST', 'auth/token/renew-self', { token, body: {} });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const identityPolicies = async (token: string) => (await api(ward, 'GET', 'auth/token/lookup-self', { token })).body.data.identity_policies;

  const a = await login(['dev-team']);
  assert.deepEqual(await members(), [a.entity_id]);
  const b = await login([]);
  assert.equal(b.entity_id, a.entity_id);
  assert.deepEqual(await members(), [], 'the later login without the group takes the entity out');
  assert.equal(await reads(a.client_token), 403);

  // Renewing b (no groups at login) keeps the entity out; renewing a re-applies a's groups.
  await renew(b.client_token);
  assert.deepEqual(await members(), []);
  await renew(a.client_token);
  assert.deepEqual(await identityPolicies(a.client_token), ['devs']);
  assert.deepEqual(await members(), [a.entity_id], 'renewal re-applies the group aliases the login carried');
  assert.equal(await reads(a.client_token), 200);
  assert.equal(await reads(b.client_token), 200, 'membership is the entity\'s: every token of it gains the group');

  // The operator renames the group alias: the next renewal no longer finds "dev-team".
  const aliasId = alias.body.data.id as string;
  const renamed = await api(ward, 'POST', `identity/group-alias/id/${aliasId}`, { ...root, body: { name: 'platform-devs', mount_accessor: accessor, canonical_id: group } });
  assert.ok([200, 204].includes(renamed.status), JSON.stringify(renamed.body));
  assert.equal(await reads(a.client_token), 200, 'membership stands until the next login or renewal');
  await renew(a.client_token);
  assert.equal(await identityPolicies(a.client_token), undefined);
  assert.deepEqual(await members(), []);
  assert.equal(await reads(a.client_token), 403);

  // Deleting the group alias leaves an alias-less external group; Vault's next refresh of
  // the entity, from any mount, takes the entity out of it.
  assert.deepEqual(await members(), []);
  const back = await api(ward, 'POST', `identity/group-alias/id/${aliasId}`, { ...root, body: { name: 'dev-team', mount_accessor: accessor, canonical_id: group } });
  assert.ok([200, 204].includes(back.status), JSON.stringify(back.body));
  await login(['dev-team']);
  assert.deepEqual(await members(), [a.entity_id]);
  assert.equal((await api(ward, 'DELETE', `identity/group-alias/id/${aliasId}`, root)).status, 204);
  assert.deepEqual(await members(), [a.entity_id], 'deleting the alias keeps the members');
  await login([]);
  assert.deepEqual(await members(), [], 'a group without an alias loses the entity at its next refresh');
});
