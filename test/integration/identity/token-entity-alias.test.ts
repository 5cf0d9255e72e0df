/**
 * auth/token/create/<role> with entity_alias: the token belongs to the entity behind that
 * alias on the token mount (created on first use), if the role allows the alias.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer } from '../../helpers/server.js';

test('token roles: entity_alias ties the new token to an entity, within allowed_entity_aliases', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = { token: server.rootToken };
  const tokenAcc = (await api(server, 'GET', 'sys/auth', root)).body.data['token/'].accessor as string;
  const role = await api(server, 'POST', 'auth/token/roles/ci', { ...root, body: { allowed_entity_aliases: ['build-*', 'Deploy'], orphan: true } });
  assert.equal(role.status, 204);

  const made = await api(server, 'POST', 'auth/token/create/ci', { ...root, body: { entity_alias: 'build-7' } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const entityId = made.body.auth.entity_id as string;
  assert.notEqual(entityId, '');
  assert.equal(made.body.warnings ?? null, null);
  const found = await api(server, 'POST', 'identity/lookup/entity', { ...root, body: { alias_name: 'build-7', alias_mount_accessor: tokenAcc } });
  assert.equal(found.body.data.id, entityId);
  assert.equal((await api(server, 'POST', 'auth/token/create/ci', { ...root, body: { entity_alias: 'build-7' } })).body.auth.entity_id, entityId);
  assert.equal((await api(server, 'POST', 'auth/token/create/ci', { ...root, body: { entity_alias: 'DEPLOY' } })).status, 200);

  const denied = await api(server, 'POST', 'auth/token/create/ci', { ...root, body: { entity_alias: 'other' } });
  assert.deepEqual([denied.status, denied.body.errors], [400, ["invalid 'entity_alias' value"]]);
  const noRole = await api(server, 'POST', 'auth/token/create', { ...root, body: { entity_alias: 'build-7' } });
  assert.deepEqual([noRole.status, noRole.body.errors], [400, ["'entity_alias' is only allowed in combination with token role"]]);

  assert.equal((await api(server, 'POST', `identity/entity/id/${entityId}`, { ...root, body: { disabled: true } })).status, 204);
  const disabled = await api(server, 'POST', 'auth/token/create/ci', { ...root, body: { entity_alias: 'build-7' } });
  assert.equal(disabled.status, 403);
});
