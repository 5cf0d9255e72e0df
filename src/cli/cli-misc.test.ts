import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { envelope, startFakeServer, type FakeReply, type FakeRequest } from '../api/fake-server.js';
import { runCli } from './testing.js';

const SEAL = { type: 'shamir', initialized: true, sealed: true, t: 3, n: 5, progress: 1, nonce: 'n-1', version: '0.1.0', storage_type: 'inmem' };
const AUTH = { client_token: 'hvs.child', accessor: 'acc1', policies: ['default', 'dev'], token_policies: ['default', 'dev'], metadata: null, lease_duration: 3600, renewable: true, entity_id: '', token_type: 'service', orphan: false, num_uses: 0 };
const WRAP = { token: 'hvs.wrap', accessor: 'wacc', ttl: 300, creation_time: '2024-01-01T00:00:00Z', creation_path: 'auth/token/create', wrapped_accessor: 'acc1' };

function routes(r: FakeRequest): FakeReply | undefined {
  const tok = r.headers['x-vault-token'];
  if (r.path === 'sys/seal-status') return { status: 200, body: SEAL };
  if (r.path === 'sys/unseal') return { status: 200, body: { ...SEAL, progress: 2 } };
  if (r.path === 'auth/token/lookup-self') {
    if (tok !== 'hvs.good') return { status: 403, body: { errors: ['permission denied'] } };
    return { status: 200, body: envelope({ id: 'hvs.good', accessor: 'a', policies: ['root'], ttl: 0, renewable: false, type: 'service' }) };
  }
  if (r.path === 'auth/token/create') {
    if (r.headers['x-vault-wrap-ttl']) return { status: 200, body: { ...(envelope(null) as object), request_id: '', wrap_info: WRAP } };
    return { status: 200, body: envelope(null, { auth: AUTH }) };
  }
  if (r.path === 'sys/wrapping/unwrap') return { status: 200, body: envelope(null, { auth: AUTH }) };
  if (r.path === 'auth/userpass/login/alice' || r.path === 'auth/approle/login' || r.path === 'auth/k8s/login') return { status: 200, body: envelope(null, { auth: AUTH }) };
  if (r.path === 'secret/sealed') return { status: 503, body: { errors: ['Vault is sealed'] } };
  return undefined;
}

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const fake = await startFakeServer(routes);
  t.after(() => fake.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-cli-'));
  return { fake, home, env: { VAULT_ADDR: fake.url, HOME: home } as NodeJS.ProcessEnv };
}

test('status exits 2 when sealed and shows progress', async (t) => {
  const { env } = await setup(t);
  const r = await runCli(['status'], env);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /Sealed\s+true\n/);
  assert.match(r.stdout, /Unseal Progress\s+1\/3\n/);
  const j = await runCli(['status', '-format=json'], env);
  assert.deepEqual(JSON.parse(j.stdout), SEAL);
  const e = await runCli(['status'], { ...env, VAULT_FORMAT: 'table', WARD_FORMAT: 'json' });
  assert.deepEqual(JSON.parse(e.stdout), SEAL, 'WARD_FORMAT wins over VAULT_FORMAT');
});

test('operator unseal reads the key from stdin when not a terminal; -non-interactive refuses', async (t) => {
  const { fake, env } = await setup(t);
  const r = await runCli(['operator', 'unseal'], env, 'abcd\n');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fake.requests.at(-1)?.body, { key: 'abcd' });
  assert.ok(!r.stderr.includes('abcd'), 'the key is never echoed');
  const n = await runCli(['operator', 'unseal', '-non-interactive'], env);
  assert.equal(n.code, 1);
  assert.match(n.stderr, /missing unseal key/);
});

test('login stores the token in ~/.vault-token with mode 0600; VAULT_TOKEN wins over it', async (t) => {
  const { fake, home, env } = await setup(t);
  const bad = await runCli(['login', 'hvs.bad'], env);
  assert.equal(bad.code, 2);
  const r = await runCli(['login', 'hvs.good'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Success! You are now authenticated/);
  const file = join(home, '.vault-token');
  assert.equal(readFileSync(file, 'utf8'), 'hvs.good');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal((await runCli(['print', 'token'], env)).stdout, 'hvs.good');
  assert.equal((await runCli(['print', 'token'], { ...env, VAULT_TOKEN: 'hvs.env' })).stdout, 'hvs.env');
  assert.equal((await runCli(['print', 'token'], { ...env, VAULT_TOKEN: 'hvs.env', WARD_TOKEN: 'hvs.ward' })).stdout, 'hvs.ward');
  await runCli(['token', 'lookup'], env);
  assert.equal(fake.requests.at(-1)?.headers['x-vault-token'], 'hvs.good', 'later commands use the stored token');
});

test('login -method=userpass prompts for nothing when password= is given and -token-only prints the token', async (t) => {
  const { fake, home, env } = await setup(t);
  const r = await runCli(['login', '-method=userpass', '-token-only', 'username=alice', 'password=pw'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hvs.child');
  assert.deepEqual(fake.requests.at(-1)?.body, { password: 'pw' });
  assert.throws(() => readFileSync(join(home, '.vault-token')), /ENOENT/);
});

test('login -method=approle and -method=kubernetes send their fields to auth/<path>/login', async (t) => {
  const { fake, env } = await setup(t);
  const a = await runCli(['login', '-method=approle', '-no-store', 'role_id=r', 'secret_id=s'], env);
  assert.equal(a.code, 0, a.stderr);
  assert.deepEqual(fake.requests.at(-1)?.body, { role_id: 'r', secret_id: 's' });
  assert.match(a.stdout, /NOT stored[\s\S]*token\s+hvs\.child/);
  const k = await runCli(['login', '-method=kubernetes', '-path=k8s', '-field=token', 'role=app', 'jwt=-'], env, 'eyJ.jwt\n');
  assert.equal(k.code, 0, k.stderr);
  assert.equal(k.stdout, 'hvs.child');
  assert.deepEqual(fake.requests.at(-1)?.body, { role: 'app', jwt: 'eyJ.jwt' });
  assert.equal(fake.requests.at(-1)?.headers['x-vault-token'], undefined, 'logins send no client token');
  const missing = await runCli(['login', '-method=approle'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /missing role_id=/);
});

test('token create -wrap-ttl sends the header and -field=wrapping_token is usable in $(...)', async (t) => {
  const { fake, env } = await setup(t);
  const r = await runCli(['token', 'create', '-wrap-ttl=5m', '-policy=dev', '-field=wrapping_token'], { ...env, VAULT_TOKEN: 'hvs.root' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hvs.wrap');
  assert.equal(fake.requests.at(-1)?.headers['x-vault-wrap-ttl'], '5m');
  assert.deepEqual(fake.requests.at(-1)?.body, { renewable: true, policies: ['dev'] });
  const u = await runCli(['unwrap', '-field=token', 'hvs.wrap'], env);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(u.stdout, 'hvs.child');
  assert.equal(fake.requests.at(-1)?.headers['x-vault-token'], 'hvs.wrap', 'with no token of its own the wrapping token goes in the header');
  const table = await runCli(['token', 'create'], { ...env, VAULT_TOKEN: 'hvs.root' });
  assert.match(table.stdout, /token_duration\s+1h\n/);
  assert.match(table.stdout, /policies\s+\[default dev\]\n/);
});

test('sealed servers and unreachable servers give one helpful line', async (t) => {
  const { env } = await setup(t);
  const s = await runCli(['read', 'secret/sealed'], env);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /^Error reading secret\/sealed: Ward at http:\/\/127\.0\.0\.1:\d+ is sealed .*ward operator unseal.*\n$/);
  const c = await runCli(['read', 'x'], { ...env, VAULT_ADDR: 'http://127.0.0.1:9' });
  assert.equal(c.code, 2);
  assert.match(c.stderr, /^Error reading x: cannot reach http:\/\/127\.0\.0\.1:9: connection refused.*\n$/);
});

test('unknown commands, subcommands and flags print usage and exit 1', async () => {
  const env = { HOME: '/nonexistent' };
  const a = await runCli(['frobnicate'], env);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /Unknown command "frobnicate"[\s\S]*Usage: ward <command>/);
  const b = await runCli(['kv', 'frob'], env);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /Unknown subcommand "kv frob"[\s\S]*kv get/);
  const c = await runCli(['read', '-bogus', 'x'], env);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /^flag provided but not defined: -bogus\n\nUsage: ward read/);
  const d = await runCli(['read'], env);
  assert.equal(d.code, 1);
  const h = await runCli(['kv', 'get', '-h'], env);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /-mount=<string>/);
  const f = await runCli(['status', '-format=xml'], env);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /Invalid output format: xml/);
});

test('policy fmt rewrites HCL canonically without a server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-fmt-'));
  const file = join(dir, 'p.hcl');
  writeFileSync(file, 'path "secret/*" {\ncapabilities=["read","list"]\n}\npath "sys/x" { capabilities = ["deny"] }\n');
  const r = await runCli(['policy', 'fmt', file], { HOME: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(file, 'utf8'), 'path "secret/*" {\n  capabilities = ["read", "list"]\n}\n\npath "sys/x" {\n  capabilities = ["deny"]\n}\n');
  writeFileSync(file, 'path "x" { capabilities = [');
  const bad = await runCli(['policy', 'fmt', file], { HOME: dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Error parsing policy: /);
});

test('bin/ward runs the compiled CLI and returns its exit code', () => {
  const bin = fileURLToPath(new URL('../../../bin/ward', import.meta.url));
  const v = spawnSync(bin, ['version'], { encoding: 'utf8' });
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^Ward v\d+\.\d+\.\d+\n$/);
  const u = spawnSync(bin, ['nope'], { encoding: 'utf8' });
  assert.equal(u.status, 1);
  const c = spawnSync(bin, ['status', '-address=http://127.0.0.1:9'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent' } });
  assert.equal(c.status, 1, 'status reports errors with 1, like vault');
  assert.match(c.stderr, /^Error checking seal status: cannot reach http:\/\/127\.0\.0\.1:9/);
});
