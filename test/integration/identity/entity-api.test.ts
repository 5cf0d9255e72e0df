/** The identity store's HTTP API against a real server: entities, aliases, groups, lookups. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer } from '../../helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('identity: entities by id and name, aliases, merge, batch-delete', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = { token: server.rootToken };
  assert.equal((await api(server, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } })).status, 204);
  assert.equal((await api(server, 'POST', 'sys/auth/approle', { ...root, body: { type: 'approle' } })).status, 204);
  const auths = (await api(server, 'GET', 'sys/auth', root)).body.data;
  const upAcc = auths['userpass/'].accessor as string;
  const arAcc = auths['approle/'].accessor as string;

  const created = await api(server, 'POST', 'identity/entity', { ...root, body: { name: 'alice', policies: 'p1,p2', metadata: { team: 'blue' } } });
  assert.equal(created.status, 200);
  assert.match(created.body.data.id, UUID);
  assert.equal(created.body.data.name, 'alice');
  const id = created.body.data.id as string;

  assert.equal(created.body.data.aliases, null);
  // As Vault: POSTing an existing name updates that entity.
  assert.equal((await api(server, 'POST', 'identity/entity', { ...root, body: { name: 'alice', metadata: { team: 'blue' } } })).status, 204);
  const rootPolicy = await api(server, 'POST', 'identity/entity', { ...root, body: { name: 'eve', policies: ['root'] } });
  assert.deepEqual([rootPolicy.status, rootPolicy.body.errors], [400, ['policies cannot contain root']]);

  const read = await api(server, 'GET', `identity/entity/id/${id}`, root);
  assert.equal(read.status, 200);
  const e = read.body.data;
  assert.deepEqual([e.name, e.policies, e.metadata, e.disabled, e.aliases], ['alice', ['p1', 'p2'], { team: 'blue' }, false, []]);
  assert.deepEqual([e.direct_group_ids, e.group_ids, e.inherited_group_ids], [[], [], []]);
  assert.ok(!Number.isNaN(Date.parse(e.creation_time)) && !Number.isNaN(Date.parse(e.last_update_time)));
  assert.equal((await api(server, 'GET', 'identity/entity/name/alice', root)).body.data.id, id);
  assert.equal((await api(server, 'GET', 'identity/entity/id/00000000-0000-0000-0000-000000000000', root)).status, 404);

  assert.equal((await api(server, 'POST', `identity/entity/id/${id}`, { ...root, body: { policies: ['p3'] } })).status, 204);
  assert.deepEqual((await api(server, 'GET', `identity/entity/id/${id}`, root)).body.data.policies, ['p3']);
  assert.deepEqual((await api(server, 'GET', `identity/entity/id/${id}`, root)).body.data.metadata, { team: 'blue' });
  const missing = await api(server, 'POST', 'identity/entity/id/nope', { ...root, body: { policies: ['x'] } });
  assert.deepEqual([missing.status, missing.body], [400, { errors: ['entity not found from id'] }]);
  const missingById = await api(server, 'POST', 'identity/entity', { ...root, body: { id: 'nope', policies: ['x'] } });
  assert.deepEqual([missingById.status, missingById.body], [400, { errors: ['entity not found from id'] }]);

  const byName = await api(server, 'POST', 'identity/entity/name/bob', { ...root, body: { metadata: ['k=v'] } });
  assert.equal(byName.status, 200);
  const bobId = byName.body.data.id as string;
  const dup = await api(server, 'POST', 'identity/entity', { ...root, body: { id: bobId, name: 'alice' } });
  assert.deepEqual([dup.status, dup.body], [400, { errors: ['entity name is already in use'] }]);

  const listed = await api(server, 'LIST', 'identity/entity/id', root);
  assert.deepEqual(listed.body.data.keys, [id, bobId].sort());
  assert.equal(listed.body.data.key_info[id].name, 'alice');
  assert.deepEqual((await api(server, 'LIST', 'identity/entity/name', root)).body.data.keys, ['alice', 'bob']);

  // Aliases: one per mount per entity; name + mount unique.
  const al = await api(server, 'POST', 'identity/entity-alias', { ...root, body: { name: 'alice', canonical_id: id, mount_accessor: upAcc } });
  assert.equal(al.status, 200);
  assert.deepEqual(al.body.data.canonical_id, id);
  const aliasId = al.body.data.id as string;
  const again = await api(server, 'POST', 'identity/entity-alias', { ...root, body: { name: 'alice', canonical_id: bobId, mount_accessor: upAcc } });
  assert.deepEqual([again.status, again.body.errors], [400, ['combination of mount and alias name is already in use']]);
  const second = await api(server, 'POST', 'identity/entity-alias', { ...root, body: { name: 'alice2', canonical_id: id, mount_accessor: upAcc } });
  assert.deepEqual([second.status, second.body.errors], [400, ['Alias already exists for requested entity and mount accessor']]);
  const badAcc = await api(server, 'POST', 'identity/entity-alias', { ...root, body: { name: 'x', canonical_id: id, mount_accessor: 'auth_nope_1' } });
  assert.deepEqual([badAcc.status, badAcc.body.errors], [400, ['invalid mount accessor "auth_nope_1"']]);
  const aread = await api(server, 'GET', `identity/entity-alias/id/${aliasId}`, root);
  assert.deepEqual([aread.body.data.name, aread.body.data.mount_accessor, aread.body.data.mount_type, aread.body.data.mount_path], ['alice', upAcc, 'userpass', 'auth/userpass/']);
  assert.deepEqual((await api(server, 'LIST', 'identity/entity-alias/id', root)).body.data.keys, [aliasId]);
  assert.equal((await api(server, 'GET', `identity/entity/id/${id}`, root)).body.data.aliases[0].id, aliasId);

  // Lookups.
  const look = await api(server, 'POST', 'identity/lookup/entity', { ...root, body: { alias_name: 'alice', alias_mount_accessor: upAcc } });
  assert.equal(look.body.data.id, id);
  assert.equal((await api(server, 'POST', 'identity/lookup/entity', { ...root, body: { name: 'nobody' } })).status, 204);
  const none = await api(server, 'POST', 'identity/lookup/entity', { ...root, body: {} });
  assert.deepEqual([none.status, none.body.errors], [400, ['query parameter not supplied']]);
  const two = await api(server, 'POST', 'identity/lookup/entity', { ...root, body: { name: 'alice', id } });
  assert.deepEqual([two.status, two.body.errors], [400, ['query parameter conflict; please supply distinct set of query parameters']]);
  const half = await api(server, 'POST', 'identity/lookup/entity', { ...root, body: { alias_name: 'alice' } });
  assert.deepEqual([half.status, half.body.errors], [400, ["both 'alias_name' and 'alias_mount_accessor' needs to be set"]]);

  // Merge bob (with an approle alias) into alice.
  const bobAlias = await api(server, 'POST', 'identity/entity-alias', { ...root, body: { name: 'role-1', canonical_id: bobId, mount_accessor: arAcc } });
  const self = await api(server, 'POST', 'identity/entity/merge', { ...root, body: { from_entity_ids: [id], to_entity_id: id } });
  assert.deepEqual([self.status, self.body.errors], [400, ['to_entity_id should not be present in from_entity_ids']]);
  // A clash on one mount is refused unless one of the two aliases is named to keep.
  const carlos = (await api(server, 'POST', 'identity/entity', { ...root, body: { name: 'carlos' } })).body.data.id as string;
  const carlosAlias = (await api(server, 'POST', 'identity/entity-alias', { ...root, body: { name: 'carlos', canonical_id: carlos, mount_accessor: upAcc } })).body.data.id as string;
  const clash = await api(server, 'POST', 'identity/entity/merge', { ...root, body: { from_entity_ids: [carlos], to_entity_id: id } });
  assert.equal(clash.status, 400);
  assert.match(clash.body.errors[0], /^toEntity and at least one fromEntity have aliases with the same mount accessor/);
  const kept = await api(server, 'POST', 'identity/entity/merge', { ...root, body: { from_entity_ids: [carlos], to_entity_id: id, conflicting_alias_ids_to_keep: [aliasId] } });
  assert.equal(kept.status, 204);
  assert.equal((await api(server, 'GET', `identity/entity-alias/id/${carlosAlias}`, root)).status, 404);
  assert.equal((await api(server, 'POST', 'identity/entity/merge', { ...root, body: { from_entity_ids: [bobId], to_entity_id: id } })).status, 204);
  const merged = (await api(server, 'GET', `identity/entity/id/${id}`, root)).body.data;
  assert.deepEqual(merged.aliases.map((a: { id: string }) => a.id).sort(), [aliasId, bobAlias.body.data.id].sort());
  assert.deepEqual(merged.merged_entity_ids, [carlos, bobId]);
  assert.equal((await api(server, 'GET', `identity/entity/id/${bobId}`, root)).status, 404);

  // Batch delete and delete.
  const c = await api(server, 'POST', 'identity/entity', { ...root, body: { name: 'carol' } });
  assert.equal((await api(server, 'POST', 'identity/entity/batch-delete', { ...root, body: { entity_ids: [c.body.data.id] } })).status, 204);
  assert.equal((await api(server, 'GET', 'identity/entity/name/carol', root)).status, 404);
  assert.equal((await api(server, 'DELETE', `identity/entity/id/${id}`, root)).status, 204);
  assert.equal((await api(server, 'GET', `identity/entity-alias/id/${aliasId}`, root)).status, 404);
  assert.equal((await api(server, 'LIST', 'identity/entity/id', root)).status, 404);
});

test('identity: groups with member entities and groups, cycles refused, external group alias', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = { token: server.rootToken };
  assert.equal((await api(server, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } })).status, 204);
  const upAcc = (await api(server, 'GET', 'sys/auth', root)).body.data['userpass/'].accessor as string;
  const ent = (await api(server, 'POST', 'identity/entity', { ...root, body: { name: 'dev1' } })).body.data.id as string;

  const inner = await api(server, 'POST', 'identity/group', { ...root, body: { name: 'devs', policies: ['dev'], member_entity_ids: [ent] } });
  assert.equal(inner.status, 200);
  const innerId = inner.body.data.id as string;
  const outer = await api(server, 'POST', 'identity/group/name/eng', { ...root, body: { policies: 'eng', member_group_ids: innerId } });
  assert.equal(outer.status, 200);
  const outerId = outer.body.data.id as string;

  const g = (await api(server, 'GET', `identity/group/id/${innerId}`, root)).body.data;
  assert.deepEqual([g.name, g.type, g.policies, g.member_entity_ids, g.member_group_ids, g.parent_group_ids], ['devs', 'internal', ['dev'], [ent], [], [outerId]]);
  const e = (await api(server, 'GET', `identity/entity/id/${ent}`, root)).body.data;
  assert.deepEqual([e.direct_group_ids, e.inherited_group_ids, e.group_ids], [[innerId], [outerId], [innerId, outerId]]);

  const cycle = await api(server, 'POST', `identity/group/id/${innerId}`, { ...root, body: { member_group_ids: [outerId] } });
  assert.deepEqual([cycle.status, cycle.body.errors], [400, [`cyclic relationship detected for member group ID "${outerId}"`]]);
  const self = await api(server, 'POST', `identity/group/id/${innerId}`, { ...root, body: { member_group_ids: [innerId] } });
  assert.equal(self.status, 400);
  const dupName = await api(server, 'POST', 'identity/group', { ...root, body: { name: 'DEVS' } });
  assert.deepEqual([dupName.status, dupName.body.errors], [400, ['group name is already in use']]);
  const badMember = await api(server, 'POST', 'identity/group', { ...root, body: { name: 'x', member_entity_ids: ['nope'] } });
  assert.deepEqual([badMember.status, badMember.body.errors], [400, ['invalid member entity ID "nope"']]);

  const ext = await api(server, 'POST', 'identity/group', { ...root, body: { name: 'ldap-admins', type: 'external', policies: ['admin'] } });
  const extId = ext.body.data.id as string;
  const extMembers = await api(server, 'POST', `identity/group/id/${extId}`, { ...root, body: { member_entity_ids: [ent] } });
  assert.deepEqual([extMembers.status, extMembers.body.errors], [400, ["member entities can't be set manually for external groups"]]);
  const extGroups = await api(server, 'POST', `identity/group/id/${extId}`, { ...root, body: { member_group_ids: [] } });
  assert.deepEqual([extGroups.status, extGroups.body.errors], [400, ["member groups can't be set for external groups"]]);
  const noGroup = await api(server, 'POST', 'identity/group/id/nope', { ...root, body: { policies: ['x'] } });
  assert.deepEqual([noGroup.status, noGroup.body.errors], [400, ['invalid group ID']]);
  const noGroupById = await api(server, 'POST', 'identity/group', { ...root, body: { id: 'nope', policies: ['x'] } });
  assert.deepEqual([noGroupById.status, noGroupById.body.errors], [400, ['invalid group ID']]);
  const ga = await api(server, 'POST', 'identity/group-alias', { ...root, body: { name: 'admins', mount_accessor: upAcc, canonical_id: extId } });
  assert.equal(ga.status, 200);
  assert.equal(ga.body.data.canonical_id, extId);
  const onInternal = await api(server, 'POST', 'identity/group-alias', { ...root, body: { name: 'other', mount_accessor: upAcc, canonical_id: innerId } });
  assert.deepEqual([onInternal.status, onInternal.body.errors], [400, ["alias can't be set on an internal group"]]);
  assert.equal((await api(server, 'GET', `identity/group/id/${extId}`, root)).body.data.alias.name, 'admins');
  assert.deepEqual((await api(server, 'LIST', 'identity/group-alias/id', root)).body.data.keys, [ga.body.data.id]);
  assert.equal((await api(server, 'POST', 'identity/lookup/group', { ...root, body: { alias_id: ga.body.data.id } })).body.data.id, extId);
  assert.deepEqual((await api(server, 'LIST', 'identity/group/name', root)).body.data.keys, ['devs', 'eng', 'ldap-admins']);

  // Disabling the auth mount drops its aliases (entity and group alias); the objects stay.
  const alias = await api(server, 'POST', 'identity/entity-alias', { ...root, body: { name: 'dev1', canonical_id: ent, mount_accessor: upAcc } });
  assert.equal(alias.status, 200);
  assert.equal((await api(server, 'DELETE', 'sys/auth/userpass', root)).status, 204);
  assert.equal((await api(server, 'GET', `identity/entity-alias/id/${alias.body.data.id}`, root)).status, 404);
  assert.deepEqual((await api(server, 'GET', `identity/entity/id/${ent}`, root)).body.data.aliases, []);
  assert.deepEqual((await api(server, 'GET', `identity/group/id/${extId}`, root)).body.data.alias, {});
  assert.equal((await api(server, 'DELETE', `identity/group/id/${innerId}`, root)).status, 204);
  assert.deepEqual((await api(server, 'GET', `identity/group/id/${outerId}`, root)).body.data.member_group_ids, []);
  assert.deepEqual((await api(server, 'GET', `identity/entity/id/${ent}`, root)).body.data.group_ids, []);
});
