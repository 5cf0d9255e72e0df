/**
 * Secure introduction, pattern 4 (client pull): the operator's commands from
 * examples/04-client-pull/README.md through the real CLI, the enrollment credential shown
 * to be narrow, and the example's device.mjs enrolling as a separate process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWard } from '../../src/cli/testing.js';
import { ok, runProgram } from './pattern-harness.js';
import { REPO_ROOT } from '../helpers/process.js';
import { api, startTestServer } from '../helpers/server.js';

const EXAMPLE = join(REPO_ROOT, 'examples', '04-client-pull');

test('pattern 4: an enrollment AppRole can only pull wrapped secret IDs for the device role', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-p4-'));
  const as = (token: string) => (...argv: string[]) => spawnWard(argv, { VAULT_ADDR: server.url, VAULT_TOKEN: token, HOME: home });
  const root = as(server.rootToken);

  // Operator, as in the README.
  await ok(root('auth', 'enable', 'approle'));
  await ok(root('policy', 'write', 'enroll', join(EXAMPLE, 'policy-enroll.hcl')));
  await ok(root('policy', 'write', 'device', join(EXAMPLE, 'policy-device.hcl')));
  await ok(root('write', 'auth/approle/role/enroll', 'token_policies=enroll', 'token_ttl=5m', 'token_max_ttl=5m', 'secret_id_ttl=720h'));
  await ok(root('write', 'auth/approle/role/device', 'token_policies=device', 'token_ttl=1h', 'secret_id_num_uses=1', 'secret_id_ttl=10m'));
  await ok(root('write', 'auth/approle/role/billing', 'token_policies=billing'));
  await ok(root('kv', 'put', 'secret/fleet/config', 'endpoint=https://fleet.example', 'interval=60'));
  await ok(root('kv', 'put', 'secret/billing/db', 'password=not-for-devices'));
  const bootstrap = mkdtempSync(join(tmpdir(), 'ward-p4-bootstrap-'));
  writeFileSync(join(bootstrap, 'enroll-role-id'), await ok(root('read', '-field=role_id', 'auth/approle/role/enroll/role-id')));
  writeFileSync(join(bootstrap, 'enroll-secret-id'), await ok(root('write', '-f', '-field=secret_id', 'auth/approle/role/enroll/secret-id')));
  writeFileSync(join(bootstrap, 'device-id'), 'kiosk-0042\n');

  await t.test('the enrollment token can pull wrapped device secret IDs and nothing else', async () => {
    const r = await root('login', '-method=approle', '-token-only', `role_id=@${join(bootstrap, 'enroll-role-id')}`, `secret_id=@${join(bootstrap, 'enroll-secret-id')}`);
    assert.equal(r.code, 0, r.stderr);
    const enroll = as(r.stdout.trim());
    assert.match(await ok(enroll('write', '-f', '-wrap-ttl=1m', '-field=wrapping_token', 'auth/approle/role/device/secret-id')), /^hvs\./);
    assert.match(await ok(enroll('read', '-field=role_id', 'auth/approle/role/device/role-id')), /^[0-9a-f-]{36}$/);
    const denied = {
      'mint for another role': enroll('write', '-f', '-wrap-ttl=1m', 'auth/approle/role/billing/secret-id'),
      'mint unwrapped': enroll('write', '-f', 'auth/approle/role/device/secret-id'),
      'mint for itself': enroll('write', '-f', '-wrap-ttl=1m', 'auth/approle/role/enroll/secret-id'),
      'role ID of another role': enroll('read', 'auth/approle/role/billing/role-id'),
      'change the device role': enroll('write', 'auth/approle/role/device', 'token_policies=billing'),
      'list roles': enroll('list', 'auth/approle/role'),
      'read device secrets': enroll('kv', 'get', 'secret/fleet/config'),
      'read other secrets': enroll('read', 'secret/data/billing/db'),
    };
    for (const [what, p] of Object.entries(denied)) {
      const res = await p;
      assert.equal(res.code, 2, `${what}: ${res.stdout}`);
      assert.match(res.stderr, /permission denied/, what);
    }
  });

  await t.test('device.mjs enrolls, logs in as itself and reads its configuration', async () => {
    const r = await runProgram(process.execPath, [join(EXAMPLE, 'device.mjs')], { VAULT_ADDR: server.url, BOOTSTRAP_DIR: bootstrap });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'device kiosk-0042: logged in as role device with policies default,device; read secret/fleet/config (keys: endpoint, interval)\n');
    // Its secret ID was good for one login (secret_id_num_uses=1): none with its name is left.
    const accessors = await api(server, 'LIST', 'auth/approle/role/device/secret-id', { token: server.rootToken });
    const looked = await Promise.all((accessors.body?.data?.keys ?? []).map((a: string) =>
      api(server, 'POST', 'auth/approle/role/device/secret-id-accessor/lookup', { token: server.rootToken, body: { secret_id_accessor: a } })));
    assert.ok(!looked.some((l) => l.body?.data?.metadata?.device_id === 'kiosk-0042'));
  });

  await t.test('without valid enrollment credentials the device gets nothing', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'ward-p4-bad-'));
    writeFileSync(join(bad, 'enroll-role-id'), 'not-a-role-id');
    writeFileSync(join(bad, 'enroll-secret-id'), 'not-a-secret-id');
    writeFileSync(join(bad, 'device-id'), 'rogue');
    const r = await runProgram(process.execPath, [join(EXAMPLE, 'device.mjs')], { VAULT_ADDR: server.url, BOOTSTRAP_DIR: bad });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /device: enrollment failed: invalid role or secret ID/);
  });
});
