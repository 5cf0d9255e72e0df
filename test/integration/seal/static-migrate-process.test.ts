/**
 * Real processes: the static seal (key in a file) round trip and a wrong key that refuses
 * without touching the data; seal migration Shamir → transit → Shamir driven through
 * `ward operator unseal -migrate`, data readable after each step.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnWard as runCli } from '../../../src/cli/testing.js';
import { api } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { SealNode, startProvider, transitStanza, type Provider } from './seal-harness.js';

const staticStanza = (file: string, id = '20261207-1') => `seal "static" {\n  current_key_id = "${id}"\n  current_key    = "file://${file}"\n}`;

describe('static seal, real processes', () => {
  const node = new SealNode();
  after(() => node.cleanup());

  it('init, restart unsealed; a wrong key refuses with a clear error and leaves the data untouched', async () => {
    const keyFile = join(node.dir.dir, 'unseal.key');
    writeFileSync(keyFile, randomBytes(32));
    await node.start(staticStanza(keyFile));
    const init = await api(node, 'PUT', 'sys/init', { body: { recovery_shares: 1, recovery_threshold: 1 } });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const root = init.body.root_token as string;
    assert.match(node.proc!.stderr(), /static seal keeps the key that protects the root key beside the configuration/);
    await api(node, 'POST', 'sys/mounts/secret', { token: root, body: { type: 'kv', options: { version: '2' } } });
    assert.equal((await api(node, 'PUT', 'secret/data/app', { token: root, body: { data: { v: 'static-1' } } })).status, 200);
    await node.stop();
    const db = readFileSync(node.dir.dbPath);

    const wrongFile = join(node.dir.dir, 'wrong.key');
    writeFileSync(wrongFile, randomBytes(32));
    const wrong = await node.start(staticStanza(wrongFile));
    await waitFor('the refusal in the log', () => /static seal: the configured key for key id \\?"20261207-1\\?" does not decrypt the stored root key \(wrong key\?\)/.test(wrong.stderr()), { timeoutMs: 20_000, context: () => wrong.stderr() });
    assert.equal((await node.sealStatus()).sealed, true);
    await node.stop();
    assert.ok(readFileSync(node.dir.dbPath).equals(db), 'storage untouched by the refused unseal');

    await node.start(staticStanza(keyFile));
    await node.waitUnsealed();
    assert.equal((await api(node, 'GET', 'secret/data/app', { token: root })).body.data.data.v, 'static-1');
  });
});

describe('seal migration Shamir → transit → Shamir, real processes', () => {
  let provider: Provider;
  const node = new SealNode();
  let root = '';
  let keys: string[] = [];
  const cli = (args: string[]) => runCli(args, { VAULT_ADDR: node.url, VAULT_TOKEN: '', HOME: node.dir.dir });
  const read = async () => (await api(node, 'GET', 'secret/data/app', { token: root })).body?.data?.data?.v;
  const write = async (v: string) => assert.equal((await api(node, 'PUT', 'secret/data/app', { token: root, body: { data: { v } } })).status, 200);

  before(async () => {
    provider = await startProvider();
  });
  after(async () => {
    await node.cleanup();
    await provider.cleanup();
  });

  it('starts on Shamir with data', async () => {
    await node.start('');
    const init = await api(node, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    keys = init.body.keys_base64;
    root = init.body.root_token;
    for (const k of keys.slice(0, 2)) await api(node, 'PUT', 'sys/unseal', { body: { key: k } });
    await api(node, 'POST', 'sys/mounts/secret', { token: root, body: { type: 'kv', options: { version: '2' } } });
    await write('shamir');
  });

  it('→ transit: migration mode, unseal -migrate with the unseal keys, then restarts unseal themselves', async () => {
    await node.stop();
    await node.start(transitStanza(provider));
    const st = await node.sealStatus();
    assert.deepEqual([st.type, st.sealed, st.migration, st.recovery_seal, st.t, st.n], ['transit', true, true, true, 2, 3]);
    const status = await cli(['status']);
    assert.match(status.stdout, /Seal Migration in Progress\s+true/);
    const plain = await cli(['operator', 'unseal', keys[0]!]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /'migrate' parameter must be set true in JSON body when in seal migration mode/);
    assert.equal((await cli(['operator', 'unseal', '-migrate', keys[0]!])).code, 0);
    const done = await cli(['operator', 'unseal', '-migrate', '-format=json', keys[2]!]);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(JSON.parse(done.stdout).sealed, false);
    assert.equal((await node.sealStatus()).migration, false);
    assert.equal(await read(), 'shamir');
    await write('transit');

    await node.stop();
    await node.start(transitStanza(provider));
    await node.waitUnsealed();
    assert.equal(await read(), 'transit');
  });

  it('→ Shamir: the disabled transit stanza; the recovery keys (the old unseal keys) unseal with -migrate, then plainly', async () => {
    await node.stop();
    await node.start(transitStanza(provider, { disabled: true }));
    const st = await node.sealStatus();
    assert.deepEqual([st.type, st.sealed, st.migration, st.recovery_seal], ['shamir', true, true, false]);
    await cli(['operator', 'unseal', '-migrate', keys[1]!]);
    const done = await cli(['operator', 'unseal', '-migrate', '-format=json', keys[2]!]);
    assert.equal(JSON.parse(done.stdout).sealed, false, done.stderr);
    assert.equal(await read(), 'transit');
    await write('shamir-again');

    await node.stop();
    await node.start('');
    assert.equal((await node.sealStatus()).sealed, true, 'Shamir: sealed until the operator unseals');
    await cli(['operator', 'unseal', keys[0]!]);
    await cli(['operator', 'unseal', keys[1]!]);
    assert.equal((await node.sealStatus()).sealed, false);
    assert.equal(await read(), 'shamir-again');
  });
});
