/** The CLI against an auto-sealed server (a fake one): status rows, init defaults, unseal -migrate. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../api/types.js';
import { startFakeServer, type FakeRequest, type FakeReply } from '../api/fake-server.js';
import { runCli } from './testing.js';

const AUTO = { type: 'static', initialized: true, sealed: false, t: 2, n: 3, progress: 0, nonce: '', version: '0.1.0', migration: false, recovery_seal: true, recovery_seal_type: 'shamir', storage_type: 'inmem' };

async function setup(t: { after(fn: () => Promise<void>): void }, seal: JsonObject) {
  const fake = await startFakeServer((r: FakeRequest): FakeReply | undefined => {
    if (r.path === 'sys/seal-status') return { status: 200, body: seal };
    if (r.path === 'sys/leader') return { status: 200, body: { ha_enabled: false, is_self: false, leader_address: '', leader_cluster_address: '' } };
    if (r.path === 'sys/unseal') return { status: 200, body: { ...seal, progress: 1 } };
    if (r.path === 'sys/init') return { status: 200, body: { keys: [], keys_base64: [], recovery_keys: ['aa', 'bb', 'cc'], recovery_keys_base64: ['qg==', 'uw==', 'zA=='], root_token: 'hvs.root' } };
    return undefined;
  });
  t.after(() => fake.close());
  return { fake, env: { VAULT_ADDR: fake.url, HOME: mkdtempSync(join(tmpdir(), 'ward-cli-')) } as NodeJS.ProcessEnv };
}

test('status with an auto seal: seal type, recovery seal type, recovery shares; the static seal is flagged as weaker', async (t) => {
  const { env } = await setup(t, AUTO);
  const r = await runCli(['status'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Seal Type\s+static\n/);
  assert.match(r.stdout, /Recovery Seal Type\s+shamir\n/);
  assert.match(r.stdout, /Total Recovery Shares\s+3\n/);
  assert.doesNotMatch(r.stdout, /Total Shares/);
  assert.match(r.stdout, /Seal Warning\s+static seal: .*weaker/);
});

test('status in a seal migration says so', async (t) => {
  const { env } = await setup(t, { ...AUTO, type: 'transit', sealed: true, migration: true });
  const r = await runCli(['status'], env);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /Seal Migration in Progress\s+true\n/);
  assert.doesNotMatch(r.stdout, /Seal Warning/);
});

test('operator init with an auto seal sends recovery 5/3 and no Shamir parameters, and prints recovery keys', async (t) => {
  const { fake, env } = await setup(t, { ...AUTO, initialized: false, sealed: true, t: 0, n: 0 });
  const r = await runCli(['operator', 'init'], env);
  assert.equal(r.code, 0, r.stderr);
  const body = fake.requests.find((q) => q.path === 'sys/init' && q.method === 'PUT')?.body as JsonObject;
  assert.deepEqual([body['secret_shares'], body['secret_threshold'], body['recovery_shares'], body['recovery_threshold']], [0, 0, 5, 3]);
  assert.match(r.stdout, /Recovery Key 1: qg==\n/);
  assert.match(r.stdout, /Recovery key initialized with 5 key shares and a key threshold of 3/);
  assert.doesNotMatch(r.stdout, /Unseal Key/);
});

test('operator unseal -migrate sends migrate: true', async (t) => {
  const { fake, env } = await setup(t, { ...AUTO, sealed: true, migration: true });
  const r = await runCli(['operator', 'unseal', '-migrate', 'abcd'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fake.requests.at(-1)?.body, { key: 'abcd', migrate: true });
});
