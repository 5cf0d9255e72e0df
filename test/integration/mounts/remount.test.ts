import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer } from '../../helpers/server.js';

test('sys/remount moves a secrets engine with its data, and refuses reserved targets', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const T = s.rootToken;
  await api(s, 'POST', 'secret/data/app', { token: T, body: { data: { v: 'kept' } } });

  const moved = await api(s, 'POST', 'sys/remount', { token: T, body: { from: 'secret', to: 'apps/kv' } });
  assert.equal(moved.status, 200);
  assert.match(moved.body.data.migration_id, /^[0-9a-f-]{36}$/);
  const status = await api(s, 'GET', `sys/remount/status/${moved.body.data.migration_id}`, { token: T });
  assert.equal(status.body.data.migration_info.status, 'success');

  assert.equal((await api(s, 'GET', 'apps/kv/data/app', { token: T })).body.data.data.v, 'kept');
  assert.equal((await api(s, 'GET', 'secret/data/app', { token: T })).status, 404);
  const mounts = await api(s, 'GET', 'sys/mounts', { token: T });
  assert.ok('apps/kv/' in mounts.body.data && !('secret/' in mounts.body.data));

  const reserved = await api(s, 'POST', 'sys/remount', { token: T, body: { from: 'apps/kv', to: 'sys/kv' } });
  assert.equal(reserved.status, 400);
  const missing = await api(s, 'POST', 'sys/remount', { token: T, body: { from: 'nope', to: 'other' } });
  assert.equal(missing.status, 400);
});

test('sys/remount moves auth methods only within auth/ and respects conflicts', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const T = s.rootToken;
  await api(s, 'POST', 'sys/mounts/other', { token: T, body: { type: 'kv' } });
  const conflict = await api(s, 'POST', 'sys/remount', { token: T, body: { from: 'secret', to: 'other' } });
  assert.equal(conflict.status, 400);
  assert.match(conflict.body.errors[0], /already in use/);
  const cross = await api(s, 'POST', 'sys/remount', { token: T, body: { from: 'secret', to: 'auth/secret' } });
  assert.equal(cross.status, 400);
  const token = await api(s, 'POST', 'sys/remount', { token: T, body: { from: 'auth/token', to: 'auth/tok2' } });
  assert.equal(token.status, 400, 'the token auth method cannot move');
});
