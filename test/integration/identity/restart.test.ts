/**
 * The identity store is persisted through the barrier: entities, aliases and groups survive
 * a restart, logins find their entity again, and parallel first logins make one entity.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

test('identity after restart: same entities, aliases, groups; parallel first logins make one entity', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-identity-'));
  const sqlitePath = join(dir, 'ward.db');
  let s: TestServer = await startTestServer({ sqlitePath });
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const root = { token: s.rootToken };
  const key = s.unsealKeys[0] as string;
  assert.equal((await api(s, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } })).status, 204);
  assert.equal((await api(s, 'POST', 'auth/userpass/users/dave', { ...root, body: { password: 'pw-dave-1' } })).status, 204);
  const logins = await Promise.all(Array.from({ length: 8 }, () => api(s, 'POST', 'auth/userpass/login/dave', { body: { password: 'pw-dave-1' } })));
  const ids = new Set(logins.map((l) => l.body.auth.entity_id as string));
  assert.equal(ids.size, 1, 'eight parallel first logins share one entity');
  const [entityId] = [...ids] as [string];
  assert.deepEqual((await api(s, 'LIST', 'identity/entity/id', root)).body.data.keys, [entityId]);
  const group = (await api(s, 'POST', 'identity/group', { ...root, body: { name: 'ops', policies: ['ops'], member_entity_ids: [entityId] } })).body.data.id as string;
  const before = (await api(s, 'GET', `identity/entity/id/${entityId}`, root)).body.data;
  const token = logins[0]!.body.auth.client_token as string;

  await s.close();
  s = await startTestServer({ sqlitePath, dev: false });
  assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
  const after = (await api(s, 'GET', `identity/entity/id/${entityId}`, root)).body.data;
  assert.deepEqual(after, before);
  assert.deepEqual((await api(s, 'GET', `identity/group/id/${group}`, root)).body.data.member_entity_ids, [entityId]);
  assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token })).body.data.entity_id, entityId);
  const again = await api(s, 'POST', 'auth/userpass/login/dave', { body: { password: 'pw-dave-1' } });
  assert.equal(again.body.auth.entity_id, entityId);
  assert.deepEqual(again.body.auth.identity_policies, ['ops']);
});
