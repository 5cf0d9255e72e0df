/**
 * Identity on a performance standby: entity and group changes made on the active reach the
 * standby through the change stream (src/core/perf/invalidation.ts), so a read carrying the
 * change's X-Vault-Index is decided with the new group policies, on the standby itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';
import { at, call, write } from '../../helpers/vault-index.js';

test('performance standby: group policy changes and entity disable made on the active apply to reads the standby serves', async (t) => {
  const c = await startHaCluster({ nodes: 2, performanceStandby: true });
  t.after(() => c.close());
  const active = await c.active();
  const standby = c.nodes.find((n) => n !== active)!;
  const root = c.rootToken;
  await write(active, 'POST', 'sys/mounts/secret', root, { type: 'kv', options: { version: '2' } });
  await write(active, 'POST', 'sys/auth/userpass', root, { type: 'userpass' });
  await write(active, 'POST', 'sys/policy/team', root, { policy: 'path "secret/data/team/*" { capabilities = ["read"] }' });
  await write(active, 'POST', 'secret/data/team/x', root, { data: { v: '1' } });
  await write(active, 'POST', 'auth/userpass/users/carol', root, { password: 'pw-carol-1' });
  await waitFor('the standby to serve locally', () => standby.core.isPerformanceStandby());
  const login = await call(active, 'POST', 'auth/userpass/login/carol', { body: { password: 'pw-carol-1' } });
  assert.equal(login.status, 200);
  const token = login.body.auth.client_token as string;
  const entityId = login.body.auth.entity_id as string;

  const before = await call(standby, 'GET', 'secret/data/team/x', { token, ...at(login.index ?? '0') });
  // Refusals carry no served-by mark; a stale standby would show itself by serving a 200.
  assert.equal(before.status, 403);

  const created = await call(active, 'POST', 'identity/group', { token: root, body: { name: 'team', policies: ['team'], member_entity_ids: [entityId] } });
  assert.equal(created.status, 200);
  const granted = await call(standby, 'GET', 'secret/data/team/x', { token, ...at(created.index ?? '0') });
  assert.deepEqual([granted.status, granted.local], [200, true]);

  const groupId = created.body.data.id as string;
  const narrowed = await write(active, 'POST', `identity/group/id/${groupId}`, root, { policies: [] });
  const denied = await call(standby, 'GET', 'secret/data/team/x', { token, ...at(narrowed) });
  assert.equal(denied.status, 403);

  await write(active, 'POST', `identity/group/id/${groupId}`, root, { policies: ['team'] });
  const disabled = await write(active, 'POST', `identity/entity/id/${entityId}`, root, { disabled: true });
  const refused = await call(standby, 'GET', 'secret/data/team/x', { token, ...at(disabled) });
  assert.deepEqual([refused.status, refused.body], [403, { errors: ['permission denied'] }]);
});
