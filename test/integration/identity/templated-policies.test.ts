/**
 * Every ACL template form of issue 19 over a real server: entity id, name and metadata,
 * an alias's name, a group's id by name and name by id. Templates resolve per request, so
 * an operator's change to the entity or its groups changes what an existing token reaches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, startTestServer } from '../../helpers/server.js';

test('templated ACL paths: entity id/name/metadata, alias name, group ids and names, resolved at each request', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const root = { token: s.rootToken };
  assert.equal((await api(s, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } })).status, 204);
  const acc = (await api(s, 'GET', 'sys/auth', root)).body.data['userpass/'].accessor as string;
  const policy = [
    'path "secret/data/by-id/{{identity.entity.id}}/*" { capabilities = ["read"] }',
    'path "secret/data/by-name/{{identity.entity.name}}/*" { capabilities = ["read"] }',
    'path "secret/data/team/{{identity.entity.metadata.team}}/*" { capabilities = ["read"] }',
    `path "secret/data/user/{{identity.entity.aliases.${acc}.name}}/*" { capabilities = ["read"] }`,
    'path "secret/data/group-id/{{identity.groups.names.eng.id}}/*" { capabilities = ["read"] }',
  ].join('\n');
  assert.equal((await api(s, 'POST', 'sys/policy/templated', { ...root, body: { policy } })).status, 204);
  for (const u of ['ann', 'bob']) {
    assert.equal((await api(s, 'POST', `auth/userpass/users/${u}`, { ...root, body: { password: `pw-${u}-1`, token_policies: 'templated' } })).status, 204);
  }
  const login = async (u: string) => (await api(s, 'POST', `auth/userpass/login/${u}`, { body: { password: `pw-${u}-1` } })).body.auth as { client_token: string; entity_id: string };
  const ann = await login('ann');
  const bob = await login('bob');
  const annName = (await api(s, 'GET', `identity/entity/id/${ann.entity_id}`, root)).body.data.name as string;
  assert.equal((await api(s, 'POST', `identity/entity/id/${ann.entity_id}`, { ...root, body: { metadata: { team: 'blue' } } })).status, 204);
  const eng = await api(s, 'POST', 'identity/group', { ...root, body: { name: 'eng', member_entity_ids: [ann.entity_id] } });
  const engId = eng.body.data.id as string;
  // The group-name-by-id form is granted through a second policy on the group itself.
  const groupPolicy = `path "secret/data/group-name/{{identity.groups.ids.${engId}.name}}/*" { capabilities = ["read"] }`;
  assert.equal((await api(s, 'POST', 'sys/policy/group-templated', { ...root, body: { policy: groupPolicy } })).status, 204);
  assert.equal((await api(s, 'POST', `identity/group/id/${engId}`, { ...root, body: { policies: 'group-templated' } })).status, 204);

  const paths = [`by-id/${ann.entity_id}`, `by-id/${bob.entity_id}`, `by-name/${annName}`, 'team/blue', 'team/red', 'user/ann', 'user/bob', `group-id/${engId}`, 'group-name/eng'];
  for (const p of paths) assert.equal((await api(s, 'POST', `secret/data/${p}/x`, { ...root, body: { data: { p } } })).status, 200);
  const reads = async (token: string) => {
    const out: string[] = [];
    for (const p of paths) if ((await api(s, 'GET', `secret/data/${p}/x`, { token })).status === 200) out.push(p);
    return out;
  };
  assert.deepEqual(await reads(ann.client_token), [`by-id/${ann.entity_id}`, `by-name/${annName}`, 'team/blue', 'user/ann', `group-id/${engId}`, 'group-name/eng']);
  assert.deepEqual(await reads(bob.client_token), [`by-id/${bob.entity_id}`, 'user/bob'], 'no metadata, no group: those paths grant bob nothing');

  // Operator changes apply to the existing token at its next request.
  assert.equal((await api(s, 'POST', `identity/entity/id/${ann.entity_id}`, { ...root, body: { metadata: { team: 'red' } } })).status, 204);
  assert.equal((await api(s, 'POST', `identity/group/id/${engId}`, { ...root, body: { member_entity_ids: [] } })).status, 204);
  assert.deepEqual(await reads(ann.client_token), [`by-id/${ann.entity_id}`, `by-name/${annName}`, 'team/red', 'user/ann']);
});
