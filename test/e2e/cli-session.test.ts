/**
 * End to end: the real bin/ward against a real, uninitialised Ward server, through
 * init → unseal → login → kv put/get -field → token create -wrap-ttl → unwrap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api } from '../helpers/server.js';
import { spawnWard } from '../../src/cli/testing.js';

test('operator init → unseal → login → kv → wrapped token → unwrap', async (t) => {
  const server = await startTestServer({ dev: false });
  t.after(() => server.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-e2e-'));
  const env = { VAULT_ADDR: server.url, HOME: home };
  const ward = (args: string[], stdin = '', extra: NodeJS.ProcessEnv = {}) => spawnWard(args, { ...env, ...extra }, stdin);

  const pre = await ward(['operator', 'init', '-status']);
  assert.equal(pre.code, 2, 'not initialised yet');

  const init = await ward(['operator', 'init', '-key-shares=3', '-key-threshold=2', '-format=json']);
  assert.equal(init.code, 0, init.stderr);
  const keys = JSON.parse(init.stdout) as { unseal_keys_b64: string[]; unseal_keys_hex: string[]; root_token: string; unseal_threshold: number };
  assert.equal(keys.unseal_keys_b64.length, 3);
  assert.equal(keys.unseal_threshold, 2);
  assert.match(keys.root_token, /^hvs\./);

  const sealed = await ward(['status']);
  assert.equal(sealed.code, 2, 'status exits 2 while sealed');
  assert.match(sealed.stdout, /Sealed\s+true/);

  const before = await ward(['kv', 'get', 'secret/x'], '', { VAULT_TOKEN: keys.root_token });
  assert.equal(before.code, 2);
  assert.match(before.stderr, /sealed.*ward operator unseal/);

  const u1 = await ward(['operator', 'unseal', keys.unseal_keys_b64[0] ?? '']);
  assert.equal(u1.code, 0, u1.stderr);
  assert.match(u1.stdout, /Unseal Progress\s+1\/2/);
  const u2 = await ward(['operator', 'unseal', '-format=json'], `${keys.unseal_keys_hex[1] ?? ''}\n`);
  assert.equal(u2.code, 0, u2.stderr);
  assert.equal((JSON.parse(u2.stdout) as { sealed: boolean }).sealed, false);
  assert.equal((await ward(['status'])).code, 0);

  const login = await ward(['login', '-non-interactive', keys.root_token]);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /Success! You are now authenticated/);
  const tokenFile = join(home, '.vault-token');
  assert.equal(readFileSync(tokenFile, 'utf8'), keys.root_token);
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);

  const enable = await ward(['secrets', 'enable', '-path=secret', '-version=2', 'kv']);
  assert.equal(enable.code, 0, enable.stderr);
  const put = await ward(['kv', 'put', 'secret/app', 'password=s3cr3t', 'user=alice']);
  assert.equal(put.code, 0, put.stderr);
  assert.match(put.stdout, /version\s+1/);
  const field = await ward(['kv', 'get', '-field=password', 'secret/app']);
  assert.equal(field.code, 0, field.stderr);
  assert.equal(field.stdout, 's3cr3t', 'no trailing newline: usable in $(...)');

  const json = await ward(['kv', 'get', '-format=json', 'secret/app']);
  const direct = await api(server, 'GET', 'secret/data/app', { token: keys.root_token });
  const cli = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.equal(typeof cli['request_id'], 'string');
  delete cli['request_id'];
  delete direct.body.request_id;
  assert.deepEqual(cli, direct.body, 'JSON output is the server envelope');

  const wrapped = await ward(['token', 'create', '-policy=default', '-ttl=1h', '-wrap-ttl=5m', '-field=wrapping_token']);
  assert.equal(wrapped.code, 0, wrapped.stderr);
  assert.match(wrapped.stdout, /^hvs\.\S+$/);
  const lookup = await api(server, 'POST', 'sys/wrapping/lookup', { body: { token: wrapped.stdout } });
  assert.equal(lookup.body.data.creation_path, 'auth/token/create');

  // A fresh shell with no token: the wrapping token itself authenticates the unwrap.
  const unwrap = await spawnWard(['unwrap', '-field=token', wrapped.stdout], { VAULT_ADDR: server.url, HOME: mkdtempSync(join(tmpdir(), 'ward-e2e-')) });
  assert.equal(unwrap.code, 0, unwrap.stderr);
  const child = unwrap.stdout;
  assert.match(child, /^hvs\./);
  const again = await ward(['unwrap', wrapped.stdout]);
  assert.equal(again.code, 2, 'a wrapping token works once');
  assert.match(again.stderr, /^Error unwrapping: Error making API request\.\n[^]*\nCode: 400\. Errors:\n\n\* wrapping token is not valid or does not exist\n$/, again.stderr);

  const self = await ward(['token', 'lookup', '-format=json'], '', { VAULT_TOKEN: child });
  assert.equal(self.code, 0, self.stderr);
  assert.deepEqual((JSON.parse(self.stdout) as { data: { policies: string[] } }).data.policies, ['default']);
  const denied = await ward(['kv', 'get', 'secret/app'], '', { VAULT_TOKEN: child });
  assert.equal(denied.code, 2);
  assert.match(denied.stderr, /permission denied|preflight capability check returned 403/);
});
