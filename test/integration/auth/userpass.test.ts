/** Userpass over HTTP against a real server: users, login, token use, lockout and sys/locked-users. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer } from '../../helpers/server.js';

test('userpass: user → login → token; identical failures; lockout listed and cleared', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = { token: server.rootToken };

  assert.equal((await api(server, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } })).status, 204);
  assert.equal((await api(server, 'POST', 'sys/policy/reader', { ...root, body: { policy: 'path "secret/*" { capabilities = ["read", "list"] }' } })).status, 204);
  assert.equal((await api(server, 'POST', 'auth/userpass/users/Alice', { ...root, body: { password: 'correct horse', token_policies: 'reader', token_ttl: '1h' } })).status, 204);

  const read = await api(server, 'GET', 'auth/userpass/users/alice', root);
  assert.equal(read.status, 200);
  assert.equal(read.body.data.token_ttl, 3600);
  assert.ok(!JSON.stringify(read.body).includes('scrypt') && !('password' in read.body.data));
  assert.deepEqual((await api(server, 'LIST', 'auth/userpass/users', root)).body.data.keys, ['alice']);

  const login = await api(server, 'POST', 'auth/userpass/login/alice', { body: { password: 'correct horse' } });
  assert.equal(login.status, 200);
  const auth = login.body.auth;
  assert.deepEqual(auth.policies, ['default', 'reader']);
  assert.deepEqual(auth.metadata, { username: 'alice' });
  assert.equal(auth.lease_duration, 3600);
  const self = await api(server, 'GET', 'auth/token/lookup-self', { token: auth.client_token });
  assert.equal(self.status, 200);
  assert.equal(self.body.data.display_name, 'userpass-alice');
  assert.equal(self.body.data.path, 'auth/userpass/login/alice');
  assert.equal((await api(server, 'POST', 'auth/token/renew-self', { token: auth.client_token, body: {} })).status, 200);

  const wrong = await api(server, 'POST', 'auth/userpass/login/alice', { body: { password: 'nope' } });
  const unknown = await api(server, 'POST', 'auth/userpass/login/mallory', { body: { password: 'nope' } });
  assert.equal(wrong.status, 400);
  assert.deepEqual(wrong.body, { errors: ['invalid username or password'] });
  assert.deepEqual([unknown.status, unknown.body], [wrong.status, wrong.body]);

  for (let i = 0; i < 4; i++) await api(server, 'POST', 'auth/userpass/login/alice', { body: { password: 'nope' } });
  const locked = await api(server, 'POST', 'auth/userpass/login/alice', { body: { password: 'correct horse' } });
  assert.equal(locked.status, 400);
  assert.deepEqual(locked.body.errors, ['permission denied']);

  const accessor = (await api(server, 'GET', 'sys/auth', root)).body.data['userpass/'].accessor as string;
  const list = await api(server, 'GET', 'sys/locked-users', root);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.data, {
    by_namespace: [{ namespace_id: 'root', namespace_path: '', counts: 1, mount_accessors: [{ mount_accessor: accessor, counts: 1, alias_identifiers: ['alice'] }] }],
    total: 1,
  });
  assert.equal((await api(server, 'POST', `sys/locked-users/${accessor}/unlock/alice`, root)).status, 204);
  assert.equal((await api(server, 'GET', 'sys/locked-users', root)).body.data.total, 0);
  assert.equal((await api(server, 'POST', 'auth/userpass/login/alice', { body: { password: 'correct horse' } })).status, 200);

  for (const r of [wrong, unknown, locked]) assert.ok(!JSON.stringify(r.body).includes('correct horse') && !JSON.stringify(r.body).includes('nope'));

  await api(server, 'POST', 'auth/userpass/users/alice/password', { ...root, body: { password: 'battery staple' } });
  assert.equal((await api(server, 'POST', 'auth/userpass/login/alice', { body: { password: 'correct horse' } })).status, 400);
  assert.equal((await api(server, 'POST', 'auth/userpass/login/alice', { body: { password: 'battery staple' } })).status, 200);
});
