/**
 * Agent auto-auth end to end: token_file and AppRole (from a response-wrapped secret ID)
 * against a real server, file sinks (plain and wrapped), exit_after_auth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { api, startTestServer } from '../helpers/server.js';
import { appToken, put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

test('token_file auto-auth with exit_after_auth writes the sink and exits 0', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dir = tempDir();
  const token = await appToken(server);
  put(dir, 'token', `${token}\n`);
  const sink = join(dir, 'sink-token');
  const wrapped = join(dir, 'sink-wrapped');
  const cfg = put(dir, 'agent.hcl', `
exit_after_auth = true
auto_auth {
  method "token_file" {
    config = { token_file_path = "${join(dir, 'token')}" }
  }
  sink "file" {
    config = { path = "${sink}" mode = 0600 }
  }
  sink "file" {
    wrap_ttl = "5m"
    config = { path = "${wrapped}" }
  }
}
`);
  const agent = startAgent(server, cfg);
  const { code, stderr } = await agent.exited;
  assert.equal(code, 0, stderr);
  assert.equal(tryRead(sink), token);
  assert.equal(statSync(sink).mode & 0o777, 0o600);
  assert.equal(statSync(wrapped).mode & 0o777, 0o640, 'sink default mode');
  const info = JSON.parse(tryRead(wrapped) ?? '{}') as { token: string; creation_path: string };
  assert.equal(info.creation_path, 'sys/wrapping/wrap');
  const unwrapped = await api(server, 'POST', 'sys/wrapping/unwrap', { token: info.token });
  assert.equal(unwrapped.status, 200);
  assert.equal(unwrapped.body.data.token, token, 'the wrapped sink holds the agent token');
});

test('approle: a wrapping token from the wrong creation path is refused before unwrapping', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dir = tempDir();
  // Wrapped by sys/wrapping/wrap: a stand-in for someone re-wrapping data they control.
  const w = await api(server, 'POST', 'sys/wrapping/wrap', { token: server.rootToken, headers: { 'X-Vault-Wrap-TTL': '5m' }, body: { secret_id: 'attacker-chosen' } });
  assert.equal(w.status, 200);
  put(dir, 'role-id', 'some-role-id');
  const sidFile = put(dir, 'secret-id', w.body.wrap_info.token);
  const cfg = put(dir, 'agent.hcl', `
exit_after_auth = true
auto_auth {
  method "approle" {
    exit_on_err = true
    config = {
      role_id_file_path = "${join(dir, 'role-id')}"
      secret_id_file_path = "${sidFile}"
      secret_id_response_wrapping_path = "auth/approle/role/web/secret-id"
    }
  }
  sink "file" { config = { path = "${join(dir, 'sink')}" } }
}
`);
  const { code, stderr } = await startAgent(server, cfg).exited;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /created at "sys\/wrapping\/wrap", expected "auth\/approle\/role\/web\/secret-id"; refusing/);
  assert.equal(existsSync(join(dir, 'sink')), false);
  const still = await api(server, 'POST', 'sys/wrapping/lookup', { body: { token: w.body.wrap_info.token } });
  assert.equal(still.status, 200, 'the wrapping token was not consumed');
});

test('approle auto-auth from a response-wrapped secret ID', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const enabled = await api(server, 'POST', 'sys/auth/approle', { token: server.rootToken, body: { type: 'approle' } });
  assert.equal(enabled.status, 204, JSON.stringify(enabled.body));
  await appToken(server);
  const role = await api(server, 'POST', 'auth/approle/role/web', { token: server.rootToken, body: { token_policies: ['app'], token_ttl: '1h' } });
  assert.ok(role.status < 300, JSON.stringify(role.body));
  const roleId = (await api(server, 'GET', 'auth/approle/role/web/role-id', { token: server.rootToken })).body.data.role_id as string;
  const sid = await api(server, 'POST', 'auth/approle/role/web/secret-id', { token: server.rootToken, headers: { 'X-Vault-Wrap-TTL': '5m' } });
  assert.equal(sid.status, 200, JSON.stringify(sid.body));
  assert.equal(sid.body.wrap_info.creation_path, 'auth/approle/role/web/secret-id');

  const dir = tempDir();
  put(dir, 'role-id', roleId);
  const sidFile = put(dir, 'secret-id', sid.body.wrap_info.token);
  const sink = join(dir, 'token');
  const out = join(dir, 'out.txt');
  await api(server, 'PUT', 'secret/data/web', { token: server.rootToken, body: { data: { greeting: 'hello' } } });
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path = "${join(dir, 'role-id')}"
      secret_id_file_path = "${sidFile}"
      secret_id_response_wrapping_path = "auth/approle/role/web/secret-id"
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
template {
  contents = "{{ with secret \\"secret/web\\" }}{{ .Data.data.greeting }}{{ end }}"
  destination = "${out}"
}
`);
  const agent = startAgent(server, cfg);
  t.after(() => agent.stop());
  const token = await waitFor('the sink file', () => tryRead(sink), 10_000, agent);
  assert.match(token, /^hvs\./);
  const self = await api(server, 'GET', 'auth/token/lookup-self', { token });
  assert.equal(self.status, 200);
  assert.deepEqual(self.body.data.policies.sort(), ['app', 'default']);
  assert.equal(existsSync(sidFile), false, 'remove_secret_id_file_after_reading defaults to true');
  assert.equal(await waitFor('the rendered file', () => tryRead(out), 10_000, agent), 'hello');
});

test('a token that cannot be renewed further is replaced by a new login; sinks and templates follow', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const enabled = await api(server, 'POST', 'sys/auth/approle', { token: server.rootToken, body: { type: 'approle' } });
  assert.equal(enabled.status, 204, JSON.stringify(enabled.body));
  // token_max_ttl 8s: the first renewal (at ~4s, two thirds of the TTL) is capped, so the agent
  // must log in again. The renewal must land before the 6 s TTL runs out: a 2 s margin, where
  // 3s/4s left one second, little on a loaded machine (a late renewal fails and the agent logs
  // in again without ever logging "renewed auth token").
  const role = await api(server, 'POST', 'auth/approle/role/short', { token: server.rootToken, body: { token_ttl: '6s', token_max_ttl: '8s' } });
  assert.ok(role.status < 300, JSON.stringify(role.body));
  const roleId = (await api(server, 'GET', 'auth/approle/role/short/role-id', { token: server.rootToken })).body.data.role_id as string;
  const secretId = (await api(server, 'POST', 'auth/approle/role/short/secret-id', { token: server.rootToken })).body.data.secret_id as string;
  const dir = tempDir();
  put(dir, 'role-id', roleId);
  put(dir, 'secret-id', secretId);
  const sink = join(dir, 'token');
  const out = join(dir, 'accessor');
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${join(dir, 'role-id')}"
      secret_id_file_path = "${join(dir, 'secret-id')}"
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
template {
  contents = "{{ with secret \\"auth/token/lookup-self\\" }}{{ .Data.accessor }}{{ end }}"
  destination = "${out}"
}
`);
  const agent = startAgent(server, cfg);
  t.after(() => agent.stop());
  const first = await waitFor('the first token', () => tryRead(sink), 10_000, agent);
  const firstAccessor = await waitFor('the first render', () => tryRead(out), 10_000, agent);
  const second = await waitFor('a new token in the sink', () => {
    const v = tryRead(sink);
    return v && v !== first ? v : undefined;
  }, 30_000, agent);
  assert.match(agent.log(), /renewed auth token/);
  assert.equal((await api(server, 'GET', 'auth/token/lookup-self', { token: second })).status, 200);
  await waitFor('the template re-rendered under the new token', () => {
    const v = tryRead(out);
    return v && v !== firstAccessor ? v : undefined;
  }, 15_000, agent);
});
