import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer } from '../../helpers/server.js';

test('user_lockout_config tuned on an auth mount sets the threshold, and lockout_disable turns it off', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const T = s.rootToken;
  assert.equal((await api(s, 'POST', 'sys/auth/userpass', { token: T, body: { type: 'userpass' } })).status, 204);
  await api(s, 'POST', 'auth/userpass/users/alice', { token: T, body: { password: 'right', token_policies: 'default' } });

  const tune = await api(s, 'POST', 'sys/auth/userpass/tune', { token: T, body: { user_lockout_config: { lockout_threshold: 2, lockout_duration: '10m' } } });
  assert.equal(tune.status, 204);
  const read = await api(s, 'GET', 'sys/auth/userpass/tune', { token: T });
  assert.deepEqual(read.body.data.user_lockout_config, { lockout_threshold: 2, lockout_duration: 600 });

  const login = (password: string) => api(s, 'POST', 'auth/userpass/login/alice', { body: { password } });
  assert.equal((await login('wrong')).status, 400);
  assert.equal((await login('wrong')).status, 400);
  const locked = await login('right');
  assert.equal(locked.status, 400, 'locked after the tuned threshold of 2, even with the right password');
  const list = await api(s, 'GET', 'sys/locked-users', { token: T });
  assert.equal(list.body.data.total, 1);

  // Tuning one field keeps the others; disabling lockout lets the user in at once.
  await api(s, 'POST', 'sys/auth/userpass/tune', { token: T, body: { user_lockout_config: { lockout_disable: true } } });
  const after = await api(s, 'GET', 'sys/auth/userpass/tune', { token: T });
  assert.deepEqual(after.body.data.user_lockout_config, { lockout_threshold: 2, lockout_duration: 600, lockout_disable: true });
  assert.equal((await login('right')).status, 200);

  const bad = await api(s, 'POST', 'sys/auth/userpass/tune', { token: T, body: { user_lockout_config: { lockout_threshold: 0 } } });
  assert.equal(bad.status, 400);
  const unknown = await api(s, 'POST', 'sys/auth/userpass/tune', { token: T, body: { user_lockout_config: { lockout_forever: true } } });
  assert.equal(unknown.status, 400);
});
