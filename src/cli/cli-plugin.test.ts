import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envelope, startFakeServer, type FakeRequest, type FakeReply } from '../api/fake-server.js';
import { runCli } from './testing.js';

const V = 'v1.17.0+builtin.ward';
const CATALOG = {
  auth: ['approle', 'userpass'],
  database: ['postgresql-database-plugin'],
  secret: ['kv'],
  detailed: [
    { type: 'auth', name: 'approle', version: V, builtin: true, deprecation_status: 'supported' },
    { type: 'auth', name: 'userpass', version: V, builtin: true, deprecation_status: 'supported' },
    { type: 'database', name: 'postgresql-database-plugin', version: V, builtin: true, deprecation_status: 'supported' },
    { type: 'secret', name: 'kv', version: V, builtin: true, deprecation_status: 'supported' },
  ],
};
const INFO = { name: 'kv', type: 'secret', args: [], builtin: true, command: '', sha256: '', version: V, deprecation_status: 'supported' };
const HISTORY = { keys: ['1.16.0', '1.17.0'], key_info: { '1.16.0': { build_date: '2026-01-01T00:00:00Z', previous_version: null, timestamp_installed: '2026-02-01T00:00:00Z' }, '1.17.0': { build_date: '2026-10-01T00:00:00Z', previous_version: '1.16.0', timestamp_installed: '2026-11-01T00:00:00Z' } } };

function routes(r: FakeRequest): FakeReply | undefined {
  if (r.path === 'sys/plugins/catalog' && r.method === 'GET') return { status: 200, body: envelope(CATALOG) };
  if (r.path === 'sys/plugins/catalog/secret/kv' && r.method === 'GET') return { status: 200, body: envelope(INFO) };
  if (r.path === 'sys/plugins/catalog/secret/nope') return { status: 404, body: { errors: [] } };
  if (r.path === 'sys/version-history' && (r.method === 'LIST' || r.query.get('list') === 'true')) return { status: 200, body: envelope(HISTORY) };
  return undefined;
}

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const fake = await startFakeServer(routes);
  t.after(() => fake.close());
  return { fake, env: { VAULT_ADDR: fake.url, VAULT_TOKEN: 'hvs.t' } as NodeJS.ProcessEnv };
}

test('plugin list prints every plugin with its type and version; a type narrows it; json is the names', async (t) => {
  const { env } = await setup(t);
  const r = await runCli(['plugin', 'list'], env);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^Name\s+Type\s+Version$/);
  assert.match(lines[2]!, /^approle\s+auth\s+v1\.17\.0\+builtin\.ward$/);
  assert.equal(lines.length, 6);
  const typed = await runCli(['plugin', 'list', 'secret'], env);
  assert.match(typed.stdout, /^Name\s+Version\n-+\s+-+\nkv\s+v1\.17\.0\+builtin\.ward\n$/);
  const json = await runCli(['plugin', 'list', '-format=json'], env);
  assert.deepEqual(JSON.parse(json.stdout), ['approle', 'kv', 'postgresql-database-plugin', 'userpass']);
  const detailed = await runCli(['plugin', 'list', '-detailed'], env);
  assert.match(detailed.stdout.split('\n')[0]!, /^Name\s+Type\s+Version\s+Container\s+Deprecation Status$/);
  assert.match(detailed.stdout, /\nkv\s+secret\s+v1\.17\.0\+builtin\.ward\s+false\s+supported\n/);
  const bad = await runCli(['plugin', 'list', 'gadget'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /"gadget" is not a supported plugin type/);
});

test('plugin info shows one plugin as vault does; an unknown one is an error', async (t) => {
  const { env } = await setup(t);
  const r = await runCli(['plugin', 'info', 'secret', 'kv'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\nbuiltin\s+true\n/);
  assert.match(r.stdout, /\ncommand\s+n\/a\n/);
  assert.match(r.stdout, /\nversion\s+v1\.17\.0\+builtin\.ward\n/);
  assert.deepEqual(JSON.parse((await runCli(['plugin', 'info', '-format=json', 'secret', 'kv'], env)).stdout), INFO);
  const missing = await runCli(['plugin', 'info', 'secret', 'nope'], env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /No value found for plugin "nope"/);
});

test('version-history lists the installed versions in order', async (t) => {
  const { env } = await setup(t);
  const r = await runCli(['version-history'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Version\s+Installation Time\s+Build Date\n-+\s+-+\s+-+\n1\.16\.0\s+2026-02-01T00:00:00Z\s+2026-01-01T00:00:00Z\n1\.17\.0\s+2026-11-01T00:00:00Z\s+2026-10-01T00:00:00Z\n$/);
  assert.deepEqual(JSON.parse((await runCli(['version-history', '-format=json'], env)).stdout), HISTORY);
});
