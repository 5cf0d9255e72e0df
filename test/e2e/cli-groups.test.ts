/** End to end: every CLI command group, through the real bin/ward, against a dev Ward server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer } from '../helpers/server.js';
import { spawnWard, type CliResult } from '../../src/cli/testing.js';

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}: ${r.stderr}`);
}

/** "No value found" on one line, or vault's `Error making API request.` block (URL, Code, `* message`s). */
function oneLineError(r: CliResult, code = 2): void {
  assert.equal(r.code, code, r.stdout);
  if (r.stderr.startsWith('No value found') || r.stderr.includes(' is sealed (HTTP 503); unseal it')) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  else assert.match(r.stderr, /^Error [^\n]+: Error making API request\.\n\nURL: [A-Z]+ http:\/\/\S+\nCode: \d{3}\. Errors:\n\n(\* [^\n]+\n)+$/, r.stderr);
}

const strip = (b: Record<string, unknown>): Record<string, unknown> => {
  const { request_id: _r, ...rest } = b;
  return rest;
};

test('CLI command groups against a dev server', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dir = mkdtempSync(join(tmpdir(), 'ward-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = server.rootToken;
  const ward = (args: string[], stdin = '', extra: NodeJS.ProcessEnv = {}) => spawnWard(args, { VAULT_ADDR: server.url, VAULT_TOKEN: root, HOME: dir, ...extra }, stdin);

  await t.test('status and version', async () => {
    const s = await ward(['status', '-format=json']);
    ok(s, 'status');
    const direct = await api(server, 'GET', 'sys/seal-status');
    const cli = JSON.parse(s.stdout) as Record<string, unknown>;
    for (const [k, v] of Object.entries(direct.body as Record<string, unknown>)) assert.deepEqual(cli[k], v, k);
    assert.match((await ward(['version'])).stdout, /^Ward v/);
  });

  await t.test('generic read/write/list/patch/delete on a KV v1 mount', async () => {
    ok(await ward(['secrets', 'enable', '-path=kv1', '-description=v1 store', 'kv']), 'enable kv1');
    const w = await ward(['write', 'kv1/app', 'a=1', 'b=@-'], 'from-stdin');
    ok(w, 'write');
    assert.equal(w.stdout, 'Success! Data written to: kv1/app\n');
    ok(await ward(['write', 'kv1/dir/x', '-'], '{"n": 2}'), 'write json stdin');
    const r = await ward(['read', '-format=json', 'kv1/app']);
    ok(r, 'read');
    const direct = await api(server, 'GET', 'kv1/app', { token: root });
    assert.deepEqual(strip(JSON.parse(r.stdout) as Record<string, unknown>), strip(direct.body));
    assert.equal((await ward(['read', '-field=b', 'kv1/app'])).stdout, 'from-stdin');
    const l = await ward(['list', 'kv1/']);
    ok(l, 'list');
    assert.equal(l.stdout, 'Keys\n----\napp\ndir/\n');
    ok(await ward(['kv', 'put', 'kv1/app', 'c=3']), 'kv put on v1');
    assert.equal((await ward(['kv', 'get', '-field=c', 'kv1/app'])).stdout, '3');
    ok(await ward(['delete', 'kv1/app']), 'delete');
    oneLineError(await ward(['read', 'kv1/app']));
    oneLineError(await ward(['list', 'kv1/nothing/']));
  });

  await t.test('kv v2: put, patch, get -version, delete/undelete/destroy, rollback, metadata, list', async () => {
    ok(await ward(['kv', 'put', 'secret/app', 'user=alice', 'pw=one']), 'put 1');
    ok(await ward(['kv', 'put', '-cas=1', 'secret/app', 'user=alice', 'pw=two']), 'put 2');
    oneLineError(await ward(['kv', 'put', '-cas=1', 'secret/app', 'pw=stale']));
    ok(await ward(['kv', 'patch', 'secret/app', 'extra=x']), 'patch');
    ok(await ward(['kv', 'patch', '-method=rw', 'secret/app', 'extra=y']), 'patch rw');
    assert.equal((await ward(['kv', 'get', '-field=extra', 'secret/app'])).stdout, 'y');
    assert.equal((await ward(['kv', 'get', '-version=1', '-field=pw', 'secret/app'])).stdout, 'one');
    assert.equal((await ward(['kv', 'get', '-mount=secret', '-field=pw', 'app'])).stdout, 'two');
    ok(await ward(['kv', 'delete', 'secret/app']), 'delete latest');
    const gone = await ward(['kv', 'get', 'secret/app']);
    assert.equal(gone.code, 2);
    assert.match(gone.stdout, /deletion_time\s+\d{4}-/);
    ok(await ward(['kv', 'undelete', '-versions=4', 'secret/app']), 'undelete');
    assert.equal((await ward(['kv', 'get', '-field=extra', 'secret/app'])).stdout, 'y');
    ok(await ward(['kv', 'destroy', '-versions=3', 'secret/app']), 'destroy');
    ok(await ward(['kv', 'rollback', '-version=1', 'secret/app']), 'rollback');
    assert.equal((await ward(['kv', 'get', '-field=pw', 'secret/app'])).stdout, 'one');
    ok(await ward(['kv', 'metadata', 'put', '-max-versions=7', '-custom-metadata=owner=ops', 'secret/app']), 'metadata put');
    const m = await ward(['kv', 'metadata', 'get', '-format=json', 'secret/app']);
    ok(m, 'metadata get');
    const meta = JSON.parse(m.stdout) as { data: { max_versions: number; custom_metadata: Record<string, string>; current_version: number; versions: Record<string, { destroyed: boolean }> } };
    assert.equal(meta.data.max_versions, 7);
    assert.deepEqual(meta.data.custom_metadata, { owner: 'ops' });
    assert.equal(meta.data.current_version, 5);
    assert.equal(meta.data.versions['3']?.destroyed, true);
    const table = await ward(['kv', 'metadata', 'get', 'secret/app']);
    assert.match(table.stdout, /Version 5/);
    ok(await ward(['kv', 'put', 'secret/dir/x', 'a=b']), 'put nested');
    assert.equal((await ward(['kv', 'list', 'secret/'])).stdout, 'Keys\n----\napp\ndir/\n');
    ok(await ward(['kv', 'metadata', 'delete', 'secret/app']), 'metadata delete');
    assert.equal((await ward(['kv', 'get', 'secret/app'])).code, 2);
  });

  await t.test('secrets list/tune/move/disable', async () => {
    const l = await ward(['secrets', 'list']);
    ok(l, 'list');
    assert.match(l.stdout, /^Path\s+Type\s+Accessor\s+Description\n----/);
    assert.match(l.stdout, /\nkv1\/\s+kv\s+kv_\w+\s+v1 store\n/);
    const j = await ward(['secrets', 'list', '-format=json']);
    const direct = await api(server, 'GET', 'sys/mounts', { token: root });
    assert.deepEqual(strip(JSON.parse(j.stdout) as Record<string, unknown>), strip(direct.body));
    ok(await ward(['secrets', 'tune', '-default-lease-ttl=1h', '-description=tuned', 'kv1']), 'tune');
    const tuned = await api(server, 'GET', 'sys/mounts/kv1/tune', { token: root });
    assert.equal(tuned.body.data.default_lease_ttl, 3600);
    ok(await ward(['secrets', 'disable', 'kv1/']), 'disable');
    assert.doesNotMatch((await ward(['secrets', 'list'])).stdout, /kv1\//);
  });

  await t.test('secrets move', async () => {
    ok(await ward(['secrets', 'enable', '-path=from', 'kv']), 'enable');
    ok(await ward(['write', 'from/x', 'a=b']), 'write');
    ok(await ward(['secrets', 'move', 'from', 'to']), 'move');
    assert.equal((await ward(['read', '-field=a', 'to/x'])).stdout, 'b');
    assert.equal((await ward(['read', 'from/x'])).code, 2, 'nothing is left at the old path');
    ok(await ward(['secrets', 'disable', 'to']), 'disable');
  });

  await t.test('policy write/read/list/delete/fmt and token capabilities', async () => {
    const file = join(dir, 'app.hcl');
    writeFileSync(file, 'path "secret/data/app/*" {\ncapabilities=["read"]\n}\n');
    ok(await ward(['policy', 'fmt', file]), 'fmt');
    assert.equal(readFileSync(file, 'utf8'), 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n');
    ok(await ward(['policy', 'write', 'app', file]), 'write');
    ok(await ward(['policy', 'write', 'other', '-'], 'path "x" { capabilities = ["list"] }'), 'write stdin');
    assert.match((await ward(['policy', 'read', 'app'])).stdout, /secret\/data\/app\/\*/);
    const l = await ward(['policy', 'list']);
    assert.match(l.stdout, /^app\ndefault\nother\nroot\n$/);
    ok(await ward(['policy', 'delete', 'other']), 'delete');
    assert.equal((await ward(['policy', 'read', 'other'])).code, 2);
    const child = (await ward(['token', 'create', '-policy=app', '-field=token'])).stdout;
    const caps = await ward(['token', 'capabilities', child, 'secret/data/app/db']);
    ok(caps, 'capabilities');
    assert.equal(caps.stdout, 'read\n');
    assert.equal((await ward(['token', 'capabilities', 'secret/data/app/db'])).stdout, 'root\n');
  });

  await t.test('token create/lookup/renew/revoke', async () => {
    const c = await ward(['token', 'create', '-policy=default', '-ttl=1h', '-metadata=team=ops', '-format=json']);
    ok(c, 'create');
    const auth = (JSON.parse(c.stdout) as { auth: { client_token: string; accessor: string } }).auth;
    const look = await ward(['token', 'lookup', '-field=ttl', auth.client_token]);
    assert.ok(Number(look.stdout) > 3500);
    assert.match((await ward(['token', 'lookup', '-accessor', auth.accessor])).stdout, /display_name\s+token/);
    const renew = await ward(['token', 'renew', '-increment=30m', auth.client_token]);
    ok(renew, 'renew');
    assert.match(renew.stdout, /token_duration\s+30m/);
    ok(await ward(['token', 'renew'], '', { VAULT_TOKEN: auth.client_token }), 'renew self');
    ok(await ward(['token', 'revoke', auth.client_token]), 'revoke');
    oneLineError(await ward(['token', 'lookup', auth.client_token]));
    const t2 = (await ward(['token', 'create', '-field=token'])).stdout;
    ok(await ward(['token', 'revoke', '-self'], '', { VAULT_TOKEN: t2 }), 'revoke self');
  });

  await t.test('lease lookup/renew/revoke', async () => {
    oneLineError(await ward(['lease', 'lookup', 'secret/nope/abc']));
    oneLineError(await ward(['lease', 'renew', 'secret/nope/abc']));
    ok(await ward(['lease', 'revoke', '-prefix', 'secret/nope']), 'revoke prefix');
  });

  await t.test('audit enable/list/disable', async () => {
    const log = join(dir, 'audit.log');
    ok(await ward(['audit', 'enable', 'file', `file_path=${log}`]), 'enable');
    const l = await ward(['audit', 'list']);
    assert.match(l.stdout, /^Path\s+Type\s+Description\n----\s+----\s+-----------\nfile\/\s+file\s+n\/a\n$/);
    assert.ok(readFileSync(log, 'utf8').length > 0, 'the device logs');
    ok(await ward(['audit', 'disable', 'file']), 'disable');
    assert.equal((await ward(['audit', 'list'])).stdout, 'No audit devices are enabled.\n');
  });

  await t.test('auth enable/list/tune/disable and login methods', async () => {
    const l = await ward(['auth', 'list']);
    ok(l, 'auth list');
    assert.match(l.stdout, /\ntoken\/\s+token\s+auth_token_\w+/);
    ok(await ward(['auth', 'tune', '-default-lease-ttl=2h', 'token']), 'tune token/');
    const tuned = await api(server, 'GET', 'sys/auth/token/tune', { token: root });
    assert.equal(tuned.body.data.default_lease_ttl, 7200);
    ok(await ward(['auth', 'disable', 'not-enabled']), 'disable is idempotent');
    ok(await ward(['auth', 'enable', '-path=up', 'userpass']), 'enable userpass');
    ok(await ward(['auth', 'tune', '-default-lease-ttl=2h', 'up']), 'tune');
    ok(await ward(['write', 'auth/up/users/alice', 'password=pw', 'token_policies=default']), 'user');
    const login = await ward(['login', '-method=userpass', '-path=up', '-no-store', '-field=token', 'username=alice', 'password=pw']);
    ok(login, 'login');
    assert.match(login.stdout, /^hvs\./);
    ok(await ward(['auth', 'disable', 'up']), 'disable');
  });

  await t.test('operator key-status/rotate/step-down/seal', async () => {
    const ks = await ward(['operator', 'key-status', '-field=term']);
    ok(ks, 'key-status');
    const term = Number(ks.stdout);
    ok(await ward(['operator', 'rotate']), 'rotate');
    assert.equal(Number((await ward(['operator', 'key-status', '-field=term'])).stdout), term + 1);
    const sd = await ward(['operator', 'step-down']);
    assert.ok(sd.code === 0 || (sd.code === 2 && sd.stderr.trim().split('\n').length === 1), sd.stderr);
    ok(await ward(['operator', 'seal']), 'seal');
    assert.equal((await ward(['status'])).code, 2);
    const after = await ward(['kv', 'get', 'secret/dir/x']);
    oneLineError(after);
    assert.match(after.stderr, /is sealed.*ward operator unseal/);
  });
});
