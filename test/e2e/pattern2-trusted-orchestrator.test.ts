/**
 * Secure introduction, pattern 2 (trusted orchestrator): the operator's commands from
 * examples/02-trusted-orchestrator/README.md run through the real CLI, the pipeline's token
 * is shown to be narrow, and the example's pipeline.sh and app.mjs run as separate processes.
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

const EXAMPLE = join(REPO_ROOT, 'examples', '02-trusted-orchestrator');

test('pattern 2: a CI token mints wrapped secret IDs for one role; the app detects interception', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-p2-'));
  const as = (token: string) => (...argv: string[]) => spawnWard(argv, { VAULT_ADDR: server.url, VAULT_TOKEN: token, HOME: home });
  const root = as(server.rootToken);

  // Operator, as in the README.
  await ok(root('auth', 'enable', 'approle'));
  await ok(root('policy', 'write', 'ci', join(EXAMPLE, 'policy-ci.hcl')));
  await ok(root('policy', 'write', 'app', join(EXAMPLE, 'policy-app.hcl')));
  await ok(root('write', 'auth/approle/role/app', 'token_policies=app', 'token_ttl=1h', 'secret_id_num_uses=1', 'secret_id_ttl=10m'));
  await ok(root('write', 'auth/approle/role/billing', 'token_policies=billing'));
  await ok(root('kv', 'put', 'secret/app/db', 'username=app', 'password=s3cret'));
  const roleId = await ok(root('read', '-field=role_id', 'auth/approle/role/app/role-id'));
  const ciToken = await ok(root('token', 'create', '-policy=ci', '-ttl=1h', '-field=token'));
  const ci = as(ciToken);

  await t.test('the CI token can mint wrapped secret IDs for its role only', async () => {
    const wrapped = await ok(ci('write', '-f', '-wrap-ttl=5m', '-field=wrapping_token', 'auth/approle/role/app/secret-id'));
    assert.match(wrapped, /^hvs\./);
    const denied = [
      ci('write', '-f', '-wrap-ttl=5m', 'auth/approle/role/billing/secret-id'),
      ci('write', '-f', 'auth/approle/role/app/secret-id'), // unwrapped: the policy makes wrapping mandatory
      ci('kv', 'get', 'secret/app/db'),
      ci('read', 'secret/data/app/db'),
      ci('read', 'auth/approle/role/app/role-id'),
    ];
    for (const r of await Promise.all(denied)) {
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, /permission denied|403/);
      assert.doesNotMatch(r.stdout, /secret_id|s3cret/);
    }
  });

  await t.test('pipeline.sh hands over a wrapping token; the app unwraps, logs in and reads', async () => {
    const r = await runProgram('bash', [join(EXAMPLE, 'pipeline.sh')], { VAULT_ADDR: server.url, VAULT_TOKEN: ciToken, ROLE_ID: roleId, HOME: home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /app: logged in with policies app,default; read secret\/app\/db \(keys: password, username\)/);
  });

  /** Mints a wrapped secret ID as the pipeline would and writes it to a hand-off file. */
  const handOff = async (token: string): Promise<string> => {
    const file = join(mkdtempSync(join(tmpdir(), 'ward-p2-handoff-')), 'secret-id');
    writeFileSync(file, token, { mode: 0o600 });
    return file;
  };
  const app = (file: string) => runProgram(process.execPath, [join(EXAMPLE, 'app.mjs')], { VAULT_ADDR: server.url, ROLE_ID: roleId, WRAPPED_SECRET_ID_FILE: file });

  await t.test('a token someone unwrapped first makes the app refuse', async () => {
    const wrapped = await ok(ci('write', '-f', '-wrap-ttl=5m', '-field=wrapping_token', 'auth/approle/role/app/secret-id'));
    const thief = await api(server, 'POST', 'sys/wrapping/unwrap', { token: wrapped });
    assert.equal(thief.status, 200);
    const r = await app(await handOff(wrapped));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /refusing to start: the wrapping token is invalid, expired or was already unwrapped; someone may have intercepted it/);
    assert.equal(r.stdout, '');
  });

  await t.test('a wrapping token not created at the secret-id path makes the app refuse', async () => {
    // An attacker wraps a secret ID of their choosing with sys/wrapping/wrap.
    const forged = await api(server, 'POST', 'sys/wrapping/wrap', { token: server.rootToken, headers: { 'X-Vault-Wrap-TTL': '5m' }, body: { secret_id: 'attacker-chosen' } });
    assert.equal(forged.status, 200);
    assert.equal(forged.body.wrap_info.creation_path, 'sys/wrapping/wrap');
    const r = await app(await handOff(forged.body.wrap_info.token));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /refusing to start: the wrapping token was created at "sys\/wrapping\/wrap", expected "auth\/approle\/role\/app\/secret-id"/);
    // The refusal did not consume it: the token is still there for the investigation.
    assert.equal((await api(server, 'POST', 'sys/wrapping/lookup', { body: { token: forged.body.wrap_info.token } })).status, 200);
  });

  await t.test('a token for another role is refused the same way', async () => {
    const other = await api(server, 'POST', 'auth/approle/role/billing/secret-id', { token: server.rootToken, headers: { 'X-Vault-Wrap-TTL': '5m' } });
    const r = await app(await handOff(other.body.wrap_info.token));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /created at "auth\/approle\/role\/billing\/secret-id"/);
  });
});
