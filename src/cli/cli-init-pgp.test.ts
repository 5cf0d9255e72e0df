import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../api/types.js';
import { startFakeServer, type FakeRequest, type FakeReply } from '../api/fake-server.js';
import { runCli } from './testing.js';
import { testPgpKey } from '../../test/helpers/pgp.js';

const SEAL = { type: 'shamir', initialized: false, sealed: true, t: 0, n: 0, progress: 0, nonce: '', version: '0.1.0', migration: false, recovery_seal: false, storage_type: 'inmem' };

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const fake = await startFakeServer((r: FakeRequest): FakeReply | undefined => {
    if (r.path === 'sys/seal-status') return { status: 200, body: SEAL };
    if (r.path === 'sys/init') return { status: 200, body: { keys: ['aa', 'bb'], keys_base64: ['qg==', 'uw=='], root_token: 'ZW5jcnlwdGVk' } };
    return undefined;
  });
  t.after(() => fake.close());
  const dir = mkdtempSync(join(tmpdir(), 'ward-cli-'));
  return { fake, dir, env: { VAULT_ADDR: fake.url, HOME: dir } as NodeJS.ProcessEnv };
}

test('operator init -pgp-keys reads key files (armored, binary, base64) and sends base64 of the binary key, as vault', async (t) => {
  const { fake, dir, env } = await setup(t);
  const k = await testPgpKey('operator');
  const binary = Buffer.from(k.base64Public, 'base64');
  writeFileSync(join(dir, 'a.asc'), k.armoredPublic);
  writeFileSync(join(dir, 'b.gpg'), binary);
  writeFileSync(join(dir, 'r.b64'), k.base64Public + '\n');
  // A leading '@' is allowed, as the vault CLI allows it.
  const r = await runCli(['operator', 'init', '-key-shares=2', '-key-threshold=2', `-pgp-keys=${join(dir, 'a.asc')},@${join(dir, 'b.gpg')}`, `-root-token-pgp-key=${join(dir, 'r.b64')}`], env);
  assert.equal(r.code, 0, r.stderr);
  const body = fake.requests.find((q) => q.path === 'sys/init' && q.method === 'PUT')?.body as JsonObject;
  assert.deepEqual(body['pgp_keys'], [k.base64Public, k.base64Public]);
  assert.equal(body['root_token_pgp_key'], k.base64Public);
  assert.match(r.stdout, /Unseal Key 1: qg==\n/);
});

test('operator init -pgp-keys refuses keybase: names and missing files before calling the server', async (t) => {
  const { fake, dir, env } = await setup(t);
  const kb = await runCli(['operator', 'init', '-key-shares=1', '-key-threshold=1', '-pgp-keys=keybase:alice'], env);
  assert.equal(kb.code, 1);
  assert.match(kb.stderr, /keybase: keys are not supported.*file/);
  const missing = await runCli(['operator', 'init', '-key-shares=1', '-key-threshold=1', `-root-token-pgp-key=${join(dir, 'nope.asc')}`], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.asc/);
  assert.equal(fake.requests.filter((q) => q.path === 'sys/init').length, 0);
});
