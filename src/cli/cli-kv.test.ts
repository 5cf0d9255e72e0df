import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envelope, startFakeServer, type FakeRequest, type FakeReply } from '../api/fake-server.js';
import { runCli } from './testing.js';

const META = { created_time: '2024-01-01T00:00:00Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 2 };

function kvRoutes(r: FakeRequest): FakeReply | undefined {
  if (r.path.startsWith('sys/internal/ui/mounts/secret')) return { status: 200, body: envelope({ path: 'secret/', type: 'kv', options: { version: '2' } }) };
  if (r.path.startsWith('sys/internal/ui/mounts/forbidden')) return { status: 403, body: { errors: [`preflight capability check returned 403, please ensure client's policies grant access to path "forbidden/x/"`] } };
  if (r.path.startsWith('sys/internal/ui/mounts/')) return { status: 404, body: { errors: [] } };
  if (r.path === 'secret/data/app' && r.method === 'GET') return { status: 200, body: envelope({ data: { password: 's3cr3t', user: 'alice' }, metadata: META }) };
  if (r.path === 'secret/data/gone') return { status: 404, body: envelope({ data: null, metadata: { ...META, deletion_time: '2024-01-02T00:00:00Z' } }) };
  if (r.path === 'secret/data/app' && (r.method === 'PUT' || r.method === 'PATCH')) return { status: 200, body: envelope(META) };
  if (r.path === 'secret/metadata/' && r.query.get('list') === 'true') return { status: 200, body: envelope({ keys: ['app', 'dir/'] }) };
  if (r.path === 'kv1/app' && r.method === 'GET') return { status: 200, body: envelope({ password: 'v1pass' }, { lease_duration: 2764800 }) };
  if (r.path === 'kv1/app' && r.method === 'PUT') return { status: 204 };
  if (r.path === 'secret/data/locked') return { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } };
  if (r.path === 'secret/metadata/locked') return { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } };
  if (r.path === 'denied') return { status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } };
  return undefined;
}

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const fake = await startFakeServer(kvRoutes);
  t.after(() => fake.close());
  return { fake, env: { VAULT_ADDR: fake.url, VAULT_TOKEN: 'hvs.root', HOME: '/nonexistent' } };
}

test('kv get on a v2 mount preflights, reads MOUNT/data/PATH and -field prints the raw value', async (t) => {
  const { fake, env } = await setup(t);
  const r = await runCli(['kv', 'get', '-field=password', 'secret/app'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 's3cr3t');
  assert.deepEqual(fake.requests.map((x) => x.path), ['sys/internal/ui/mounts/secret/app', 'secret/data/app']);
  assert.equal(fake.requests[1]?.headers['x-vault-token'], 'hvs.root');
});

test('kv get v2 table shows metadata and data; json is the server envelope', async (t) => {
  const { env } = await setup(t);
  const table = await runCli(['kv', 'get', 'secret/app'], env);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /== Secret Path ==\nsecret\/data\/app/);
  assert.match(table.stdout, /password\s{4,}s3cr3t/);
  assert.match(table.stdout, /version\s{4,}2/);
  const json = await runCli(['kv', 'get', '-format=json', 'secret/app'], env);
  assert.deepEqual(JSON.parse(json.stdout), envelope({ data: { password: 's3cr3t', user: 'alice' }, metadata: META }));
  const yaml = await runCli(['kv', 'get', '--format', 'yaml', 'secret/app'], env);
  assert.match(yaml.stdout, /^request_id: req-1\n/);
  assert.match(yaml.stdout, /\n    password: s3cr3t\n/);
});

test('kv get on a v1 mount (preflight 404) reads the plain path', async (t) => {
  const { fake, env } = await setup(t);
  const r = await runCli(['kv', 'get', 'kv1/app'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fake.requests.at(-1)?.path, 'kv1/app');
  assert.match(r.stdout, /refresh_interval\s+768h\npassword\s+v1pass/);
});

test('kv put sends {data} on v2 and the plain map on v1', async (t) => {
  const { fake, env } = await setup(t);
  const v2 = await runCli(['kv', 'put', '-cas=1', 'secret/app', 'user=bob', 'pw=-'], env, 'from-stdin\n');
  assert.equal(v2.code, 0, v2.stderr);
  const put = fake.requests.at(-1);
  assert.equal(put?.path, 'secret/data/app');
  assert.deepEqual(put?.body, { data: { user: 'bob', pw: 'from-stdin' }, options: { cas: 1 } });
  assert.match(v2.stdout, /== Secret Path ==\nsecret\/data\/app[\s\S]*version\s+2/);
  const v1 = await runCli(['kv', 'put', 'kv1/app', 'a=b'], env);
  assert.equal(v1.code, 0);
  assert.deepEqual(fake.requests.at(-1)?.body, { a: 'b' });
  assert.equal(v1.stdout, 'Success! Data written to: kv1/app\n');
});

test('kv patch uses merge-patch on v2 and refuses v1', async (t) => {
  const { fake, env } = await setup(t);
  const r = await runCli(['kv', 'patch', 'secret/app', 'x=1'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fake.requests.at(-1)?.method, 'PATCH');
  assert.equal(fake.requests.at(-1)?.headers['content-type'], 'application/merge-patch+json');
  const v1 = await runCli(['kv', 'patch', 'kv1/app', 'x=1'], env);
  assert.equal(v1.code, 1);
  assert.match(v1.stderr, /not supported on KV version 1/);
});

test('kv list, delete -versions, undelete and metadata paths', async (t) => {
  const { fake, env } = await setup(t);
  const l = await runCli(['kv', 'list', 'secret/'], env);
  assert.equal(l.code, 0, l.stderr);
  assert.equal(l.stdout, 'Keys\n----\napp\ndir/\n');
  await runCli(['kv', 'delete', '-versions=1,2', 'secret/app'], env);
  assert.deepEqual([fake.requests.at(-1)?.method, fake.requests.at(-1)?.path, fake.requests.at(-1)?.body], ['PUT', 'secret/delete/app', { versions: [1, 2] }]);
  const u = await runCli(['kv', 'undelete', 'secret/app'], env);
  assert.equal(u.code, 1, 'undelete needs -versions');
  await runCli(['kv', 'metadata', 'put', '-max-versions=5', '-custom-metadata=owner=me', 'secret/app'], env);
  assert.deepEqual([fake.requests.at(-1)?.path, fake.requests.at(-1)?.body], ['secret/metadata/app', { max_versions: 5, custom_metadata: { owner: 'me' } }]);
  await runCli(['kv', 'get', '-mount=secret', 'app'], env);
  assert.equal(fake.requests.at(-1)?.path, 'secret/data/app');
});

test('a deleted v2 version prints its metadata and exits 2; a missing key says so', async (t) => {
  const { env } = await setup(t);
  const gone = await runCli(['kv', 'get', 'secret/gone'], env);
  assert.equal(gone.code, 2);
  assert.match(gone.stdout, /deletion_time\s+2024-01-02/);
  const missing = await runCli(['kv', 'get', 'secret/nope'], env);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'No value found at secret/data/nope\n');
});

test("server errors are vault's 'Error making API request.' block on stderr with exit code 2", async (t) => {
  const { env, fake } = await setup(t);
  const r = await runCli(['read', 'denied'], env);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `Error reading denied: Error making API request.\n\nURL: GET ${fake.url}/v1/denied\nCode: 403. Errors:\n\n* permission denied\n`);
});

test('kv get and kv put errors name the data path, as vault does (fullPath)', async (t) => {
  const { env, fake } = await setup(t);
  const get = await runCli(['kv', 'get', 'secret/locked'], env);
  assert.equal(get.code, 2);
  assert.equal(get.stderr, `Error reading secret/data/locked: Error making API request.\n\nURL: GET ${fake.url}/v1/secret/data/locked\nCode: 403. Errors:\n\n* permission denied\n`);
  const put = await runCli(['kv', 'put', 'secret/locked', 'a=b'], env);
  assert.equal(put.code, 2);
  assert.equal(put.stderr, `Error writing data to secret/data/locked: Error making API request.\n\nURL: PUT ${fake.url}/v1/secret/data/locked\nCode: 403. Errors:\n\n* permission denied\n`);
});

test("a refused preflight is printed as vault's kv commands print it: the API error alone", async (t) => {
  const { env, fake } = await setup(t);
  const block = `Error making API request.\n\nURL: GET ${fake.url}/v1/sys/internal/ui/mounts/forbidden/x\nCode: 403. Errors:\n\n* preflight capability check returned 403, please ensure client's policies grant access to path "forbidden/x/"\n`;
  for (const args of [['kv', 'get', 'forbidden/x'], ['kv', 'put', 'forbidden/x', 'a=b'], ['kv', 'metadata', 'get', 'forbidden/x'], ['kv', 'list', 'forbidden/x']]) {
    const r = await runCli(args, env);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr, block, args.join(' '));
  }
});

test('kv metadata errors name the metadata path, as vault does', async (t) => {
  const { env, fake } = await setup(t);
  const r = await runCli(['kv', 'metadata', 'get', 'secret/locked'], env);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `Error reading secret/metadata/locked: Error making API request.\n\nURL: GET ${fake.url}/v1/secret/metadata/locked\nCode: 403. Errors:\n\n* permission denied\n`);
});
