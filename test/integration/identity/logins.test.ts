/**
 * Logins create or find the identity entity through the alias the method names; tokens
 * carry `entity_id`; children inherit it; a disabled entity's tokens and logins are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer } from '../../helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('identity on login: userpass and approle aliases, entity_id on tokens and children, disabled entity refused', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = { token: server.rootToken };
  for (const type of ['userpass', 'approle']) assert.equal((await api(server, 'POST', `sys/auth/${type}`, { ...root, body: { type } })).status, 204);
  const auths = (await api(server, 'GET', 'sys/auth', root)).body.data;
  const upAcc = auths['userpass/'].accessor as string;
  const arAcc = auths['approle/'].accessor as string;
  assert.equal((await api(server, 'POST', 'sys/policy/creator', { ...root, body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' } })).status, 204);
  assert.equal((await api(server, 'POST', 'auth/userpass/users/alice', { ...root, body: { password: 'pw-alice-1', token_policies: 'creator' } })).status, 204);

  const login = async () => api(server, 'POST', 'auth/userpass/login/alice', { body: { password: 'pw-alice-1' } });
  const first = await login();
  assert.equal(first.status, 200);
  const entityId = first.body.auth.entity_id as string;
  assert.match(entityId, UUID);
  const token = first.body.auth.client_token as string;
  assert.equal((await api(server, 'GET', 'auth/token/lookup-self', { token })).body.data.entity_id, entityId);
  assert.equal((await login()).body.auth.entity_id, entityId, 'a second login finds the same entity');

  const entity = (await api(server, 'GET', `identity/entity/id/${entityId}`, root)).body.data;
  assert.equal(entity.aliases.length, 1);
  assert.deepEqual([entity.aliases[0].name, entity.aliases[0].mount_accessor, entity.aliases[0].mount_type], ['alice', upAcc, 'userpass']);
  assert.deepEqual((await api(server, 'LIST', 'identity/entity/id', root)).body.data.keys, [entityId]);

  const child = await api(server, 'POST', 'auth/token/create', { token, body: { policies: ['creator'] } });
  assert.equal(child.status, 200, JSON.stringify(child.body));
  assert.equal(child.body.auth.entity_id, entityId);
  assert.equal((await api(server, 'GET', 'auth/token/lookup-self', { token: child.body.auth.client_token })).body.data.entity_id, entityId);

  // AppRole: the alias is the role_id, with the role name in its metadata.
  assert.equal((await api(server, 'POST', 'auth/approle/role/builder', { ...root, body: { token_policies: 'creator' } })).status, 204);
  const roleId = (await api(server, 'GET', 'auth/approle/role/builder/role-id', root)).body.data.role_id as string;
  const secretId = (await api(server, 'POST', 'auth/approle/role/builder/secret-id', { ...root, body: {} })).body.data.secret_id as string;
  const ar = await api(server, 'POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: secretId } });
  assert.equal(ar.status, 200);
  const arEntity = await api(server, 'POST', 'identity/lookup/entity', { ...root, body: { alias_name: roleId, alias_mount_accessor: arAcc } });
  assert.equal(arEntity.body.data.id, ar.body.auth.entity_id);
  assert.notEqual(ar.body.auth.entity_id, entityId);
  assert.equal(arEntity.body.data.aliases[0].metadata.role_name, 'builder');

  // Disabling the entity refuses its existing tokens (children too) and its logins.
  assert.equal((await api(server, 'POST', `identity/entity/id/${entityId}`, { ...root, body: { disabled: true } })).status, 204);
  const refused = await api(server, 'GET', 'auth/token/lookup-self', { token });
  assert.deepEqual([refused.status, refused.body], [403, { errors: ['permission denied'] }]);
  assert.equal((await api(server, 'GET', 'auth/token/lookup-self', { token: child.body.auth.client_token })).status, 403);
  const deniedLogin = await login();
  assert.deepEqual([deniedLogin.status, deniedLogin.body], [403, { errors: ['permission denied'] }]);
  assert.equal((await api(server, 'POST', `identity/entity/id/${entityId}`, { ...root, body: { disabled: false } })).status, 204);
  assert.equal((await api(server, 'GET', 'auth/token/lookup-self', { token })).status, 200);
  assert.equal((await login()).status, 200);
});

test('identity policies: a group policy change applies to an existing token, directly and inherited', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = { token: server.rootToken };
  assert.equal((await api(server, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } })).status, 204);
  assert.equal((await api(server, 'POST', 'sys/policy/team', { ...root, body: { policy: 'path "secret/data/team/*" { capabilities = ["read"] }' } })).status, 204);
  assert.equal((await api(server, 'POST', 'secret/data/team/x', { ...root, body: { data: { v: '1' } } })).status, 200);
  assert.equal((await api(server, 'POST', 'auth/userpass/users/bob', { ...root, body: { password: 'pw-bob-1' } })).status, 204);
  const login = await api(server, 'POST', 'auth/userpass/login/bob', { body: { password: 'pw-bob-1' } });
  const token = login.body.auth.client_token as string;
  const entityId = login.body.auth.entity_id as string;
  const read = async () => (await api(server, 'GET', 'secret/data/team/x', { token })).status;
  assert.equal(await read(), 403);

  const inner = (await api(server, 'POST', 'identity/group', { ...root, body: { name: 'inner', member_entity_ids: [entityId] } })).body.data.id as string;
  assert.equal(await read(), 403);
  assert.equal((await api(server, 'POST', `identity/group/id/${inner}`, { ...root, body: { policies: ['team'] } })).status, 204);
  assert.equal(await read(), 200, 'the direct group policy applies to the existing token');

  assert.equal((await api(server, 'POST', `identity/group/id/${inner}`, { ...root, body: { policies: [] } })).status, 204);
  assert.equal(await read(), 403);
  const outer = (await api(server, 'POST', 'identity/group', { ...root, body: { name: 'outer', member_group_ids: [inner], policies: ['team'] } })).body.data.id as string;
  assert.equal(await read(), 200, 'an inherited group policy applies');
  const self = await api(server, 'GET', `identity/entity/id/${entityId}`, root);
  assert.deepEqual(self.body.data.inherited_group_ids, [outer]);
  // A new login shows the identity policies apart and within `policies`; sys/capabilities-self sees them.
  const again = (await api(server, 'POST', 'auth/userpass/login/bob', { body: { password: 'pw-bob-1' } })).body.auth;
  assert.deepEqual([again.token_policies, again.identity_policies, again.policies], [['default'], ['team'], ['default', 'team']]);
  const looked = (await api(server, 'GET', 'auth/token/lookup-self', { token })).body.data;
  assert.deepEqual([looked.policies, looked.identity_policies], [['default'], ['team']]);
  const caps = await api(server, 'POST', 'sys/capabilities-self', { token, body: { paths: ['secret/data/team/x'] } });
  assert.deepEqual(caps.body.data['secret/data/team/x'], ['read']);
  // The default policy's templated rule lets a token read its own entity, and only that.
  assert.equal((await api(server, 'GET', `identity/entity/id/${entityId}`, { token })).status, 200);
  assert.equal((await api(server, 'GET', `identity/entity/id/${outer}`, { token })).status, 403);

  assert.equal((await api(server, 'POST', `identity/group/id/${outer}`, { ...root, body: { member_group_ids: [] } })).status, 204);
  assert.equal(await read(), 403);
  // The entity's own policies count too.
  assert.equal((await api(server, 'POST', `identity/entity/id/${entityId}`, { ...root, body: { policies: ['team'] } })).status, 204);
  assert.equal(await read(), 200);
  assert.equal((await api(server, 'DELETE', `identity/entity/id/${entityId}`, root)).status, 204);
  assert.equal(await read(), 403, 'a deleted entity adds nothing');
});
