/** AppRole over HTTP against a real server (clients come from 127.0.0.1). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { FakeClock } from '../../helpers/clock.js';

async function setup(t: { after(fn: () => Promise<void>): void }, clock?: FakeClock): Promise<{ server: TestServer; root: { token: string } }> {
  const server = await startTestServer(clock ? { clock } : {});
  t.after(() => server.close());
  const root = { token: server.rootToken };
  assert.equal((await api(server, 'POST', 'sys/auth/approle', { ...root, body: { type: 'approle' } })).status, 204);
  return { server, root };
}

const roleIdOf = async (server: TestServer, root: { token: string }, name: string): Promise<string> =>
  (await api(server, 'GET', `auth/approle/role/${name}/role-id`, root)).body.data.role_id as string;

const newSecret = async (server: TestServer, root: { token: string }, name: string, body: Record<string, unknown> = {}) =>
  (await api(server, 'POST', `auth/approle/role/${name}/secret-id`, { ...root, body })).body.data as { secret_id: string; secret_id_accessor: string };

test('approle: role → secret-id → login → use token, renew, single use, tidy', async (t) => {
  const { server, root } = await setup(t);
  await api(server, 'POST', 'sys/policy/app', { ...root, body: { policy: 'path "secret/data/app" { capabilities = ["read"] }' } });
  await api(server, 'POST', 'secret/data/app', { ...root, body: { data: { password: 'db-pass' } } });
  assert.equal((await api(server, 'POST', 'auth/approle/role/App', { ...root, body: { token_policies: 'app', token_ttl: '20m', token_max_ttl: '1h', secret_id_num_uses: 1 } })).status, 204);
  assert.equal((await api(server, 'GET', 'auth/approle/role/app', root)).body.data.token_ttl, 1200);
  assert.deepEqual((await api(server, 'LIST', 'auth/approle/role', root)).body.data.keys, ['app']);

  const roleId = await roleIdOf(server, root, 'app');
  const s = await newSecret(server, root, 'app', { metadata: '{"host":"web-1"}' });
  const login = await api(server, 'POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: s.secret_id } });
  assert.equal(login.status, 200);
  const auth = login.body.auth;
  assert.deepEqual(auth.policies, ['app', 'default']);
  assert.deepEqual(auth.metadata, { host: 'web-1', role_name: 'app' });
  assert.equal(auth.lease_duration, 1200);
  assert.equal(auth.renewable, true);
  assert.equal(auth.orphan, true);

  const secret = await api(server, 'GET', 'secret/data/app', { token: auth.client_token });
  assert.equal(secret.status, 200);
  assert.equal(secret.body.data.data.password, 'db-pass');
  assert.equal((await api(server, 'GET', 'secret/data/other', { token: auth.client_token })).status, 403);
  const self = (await api(server, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).body.data;
  assert.equal(self.path, 'auth/approle/login');
  assert.equal(self.display_name, 'approle');
  assert.equal((await api(server, 'POST', 'auth/token/renew-self', { token: auth.client_token, body: {} })).status, 200);

  const reuse = await api(server, 'POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: s.secret_id } });
  assert.equal(reuse.status, 400);
  assert.deepEqual(reuse.body.errors, ['invalid role or secret ID']);

  const tidy = await api(server, 'POST', 'auth/approle/tidy/secret-id', root);
  assert.equal(tidy.status, 202);
  assert.match(tidy.body.warnings[0], /Tidy operation successfully started/);

  // Deleting the role stops renewal of its tokens.
  assert.equal((await api(server, 'DELETE', 'auth/approle/role/app', root)).status, 204);
  assert.equal((await api(server, 'POST', 'auth/token/renew-self', { token: auth.client_token, body: {} })).status, 400);
});

test('approle: wrapped secret-id is looked up by creation path, unwrapped, then used', async (t) => {
  const { server, root } = await setup(t);
  await api(server, 'POST', 'auth/approle/role/agent', root);
  const wrapped = await api(server, 'POST', 'auth/approle/role/agent/secret-id', { ...root, headers: { 'X-Vault-Wrap-TTL': '5m' } });
  assert.equal(wrapped.status, 200);
  assert.equal(wrapped.body.data, null);
  const info = wrapped.body.wrap_info;
  assert.equal(info.creation_path, 'auth/approle/role/agent/secret-id');
  const look = await api(server, 'POST', 'sys/wrapping/lookup', { body: { token: info.token } });
  assert.equal(look.status, 200);
  assert.equal(look.body.data.creation_path, 'auth/approle/role/agent/secret-id');
  const unwrapped = await api(server, 'POST', 'sys/wrapping/unwrap', { token: info.token });
  assert.equal(unwrapped.status, 200);
  assert.equal(info.wrapped_accessor, unwrapped.body.data.secret_id_accessor);
  const login = await api(server, 'POST', 'auth/approle/login', { body: { role_id: await roleIdOf(server, root, 'agent'), secret_id: unwrapped.body.data.secret_id } });
  assert.equal(login.status, 200);
  assert.ok(login.body.auth.client_token);
});

test('approle: CIDR bindings, expiry and lockout', async (t) => {
  // SecretID expiry moves this clock instead of sleeping past secret_id_ttl.
  const clock = new FakeClock(Date.now());
  const { server, root } = await setup(t, clock);

  await api(server, 'POST', 'auth/approle/role/far', { ...root, body: { secret_id_bound_cidrs: '10.0.0.0/8' } });
  const far = await newSecret(server, root, 'far');
  const refused = await api(server, 'POST', 'auth/approle/login', { body: { role_id: await roleIdOf(server, root, 'far'), secret_id: far.secret_id } });
  assert.ok(refused.status >= 400 && refused.status < 500);
  assert.deepEqual(refused.body.errors, ['source address "127.0.0.1" unauthorized by CIDR restrictions on the role']);

  await api(server, 'POST', 'auth/approle/role/bound', { ...root, body: { token_bound_cidrs: '10.0.0.0/8' } });
  const bound = await newSecret(server, root, 'bound');
  const boundLogin = await api(server, 'POST', 'auth/approle/login', { body: { role_id: await roleIdOf(server, root, 'bound'), secret_id: bound.secret_id } });
  assert.equal(boundLogin.status, 200, 'token_bound_cidrs do not restrict the login itself');
  const use = await api(server, 'GET', 'auth/token/lookup-self', { token: boundLogin.body.auth.client_token });
  assert.equal(use.status, 403, 'the token cannot be used from 127.0.0.1');

  await api(server, 'POST', 'auth/approle/role/short', root);
  const shortRoleId = await roleIdOf(server, root, 'short');
  const short = await newSecret(server, root, 'short', { ttl: 1 });
  const shortLookup = await api(server, 'POST', 'auth/approle/role/short/secret-id/lookup', { ...root, body: { secret_id: short.secret_id } });
  assert.equal(shortLookup.status, 200, 'valid within its TTL');
  clock.advance(1);
  const expired = await api(server, 'POST', 'auth/approle/login', { body: { role_id: shortRoleId, secret_id: short.secret_id } });
  assert.equal(expired.status, 400);
  assert.deepEqual(expired.body.errors, ['invalid role or secret ID']);

  const good = await newSecret(server, root, 'short');
  for (let i = 0; i < 4; i++) await api(server, 'POST', 'auth/approle/login', { body: { role_id: shortRoleId, secret_id: `bad-${i}` } });
  const locked = await api(server, 'POST', 'auth/approle/login', { body: { role_id: shortRoleId, secret_id: good.secret_id } });
  assert.deepEqual([locked.status, locked.body.errors], [400, ['permission denied']]);
  const accessor = (await api(server, 'GET', 'sys/auth', root)).body.data['approle/'].accessor as string;
  const list = await api(server, 'GET', 'sys/locked-users', root);
  assert.deepEqual(list.body.data.by_namespace[0].mount_accessors, [{ mount_accessor: accessor, counts: 1, alias_identifiers: [shortRoleId] }]);
  assert.equal((await api(server, 'POST', `sys/locked-users/${accessor}/unlock/${shortRoleId}`, root)).status, 204);
  assert.equal((await api(server, 'POST', 'auth/approle/login', { body: { role_id: shortRoleId, secret_id: good.secret_id } })).status, 200);

  for (const r of [refused, expired, locked]) {
    const text = JSON.stringify(r.body);
    assert.ok(![far.secret_id, short.secret_id, good.secret_id].some((x) => text.includes(x)), 'no secret in an error');
  }
});
