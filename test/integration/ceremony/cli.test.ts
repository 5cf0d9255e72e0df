/** `ward operator rekey` and `ward operator generate-root` against a real server with real Shamir shares. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/testing.js';
import { api } from '../../helpers/server.js';
import { testPgpKey } from '../../helpers/pgp.js';
import { initCluster, seal, unseal, type Cluster } from './harness.js';

describe('ward operator rekey / generate-root', () => {
  let c: Cluster;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    c = await initCluster(3, 2);
    env = { VAULT_ADDR: c.server.url, HOME: mkdtempSync(join(tmpdir(), 'ward-cli-')) };
  });
  after(() => c.close());

  it('rekey: -init, -status, a share on the command line and one on stdin, then the new keys', async () => {
    const init = await runCli(['operator', 'rekey', '-init', '-key-shares=2', '-key-threshold=2'], env);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /Nonce\s+[0-9a-f-]{36}\n/);
    assert.match(init.stdout, /Rekey Progress\s+0\/2\n/);
    assert.match(init.stdout, /New Shares\s+2\n/);
    const st = await runCli(['operator', 'rekey', '-status', '-format=json'], env);
    const nonce = JSON.parse(st.stdout).nonce as string;
    const one = await runCli(['operator', 'rekey', `-nonce=${nonce}`, c.keys[0]!], env);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /Rekey Progress\s+1\/2\n/);
    const two = await runCli(['operator', 'rekey', '-'], env, `${c.keys[1]}\n`);
    assert.equal(two.code, 0, two.stderr);
    const keys = [...two.stdout.matchAll(/^Key \d: (\S+)$/gm)].map((m) => m[1]!);
    assert.equal(keys.length, 2, two.stdout);
    assert.match(two.stdout, /rekeyed with 2 key shares and a key threshold of 2/);
    await seal(c.server, c.root);
    assert.equal((await unseal(c.server, keys)).body.sealed, false);
    c.keys = keys;
  });

  it('rekey: a wrong nonce prints Vault\'s error; -cancel ends the attempt', async () => {
    assert.equal((await runCli(['operator', 'rekey', '-init', '-key-shares=1', '-key-threshold=1'], env)).code, 0);
    const bad = await runCli(['operator', 'rekey', '-nonce=nope', c.keys[0]!], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /incorrect nonce supplied/);
    const cancel = await runCli(['operator', 'rekey', '-cancel'], env);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /Success! Canceled rekeying/);
    assert.equal((await api(c.server, 'GET', 'sys/rekey/init')).body.started, false);
  });

  it('generate-root: -init with a generated OTP, two shares, then -decode gives a working root token', async () => {
    const init = await runCli(['operator', 'generate-root', '-init', '-format=json'], env);
    assert.equal(init.code, 0, init.stderr);
    const { otp } = JSON.parse(init.stdout);
    assert.match(otp, /^[0-9A-Za-z]{28}$/);
    assert.equal((await runCli(['operator', 'generate-root', c.keys[0]!], env)).code, 0);
    // No key argument: the share is read as a prompt answer (without echo on a terminal; here from stdin).
    const done = await runCli(['operator', 'generate-root'], env, `${c.keys[1]}\n`);
    assert.equal(done.code, 0, done.stderr);
    const encoded = /Encoded Token\s+(\S+)/.exec(done.stdout)?.[1];
    assert.ok(encoded, done.stdout);
    // A literal search: a base64 share may hold '+' or '/', which a RegExp would misread.
    assert.ok(!(done.stdout + done.stderr).includes(c.keys[1]!), 'the share is never echoed');
    const dec = await runCli(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${otp}`], env);
    assert.equal(dec.code, 0, dec.stderr);
    const token = dec.stdout.trim();
    assert.equal((await api(c.server, 'GET', 'auth/token/lookup-self', { token })).status, 200);
  });

  it('generate-root: -generate-otp prints an OTP; -status and -cancel', async () => {
    const g = await runCli(['operator', 'generate-root', '-generate-otp'], env);
    assert.match(g.stdout, /^[0-9A-Za-z]{28}\n$/);
    await runCli(['operator', 'generate-root', '-init', `-otp=${g.stdout.trim()}`], env);
    const st = await runCli(['operator', 'generate-root', '-status'], env);
    assert.match(st.stdout, /Started\s+true\n/);
    assert.match(st.stdout, /Progress\s+0\/2\n/);
    assert.match((await runCli(['operator', 'generate-root', '-cancel'], env)).stdout, /Success! Root token generation canceled/);
  });

  it('rekey -backup-retrieve prints the kept encrypted shares; -backup-delete removes them', async () => {
    const k = await testPgpKey('dave');
    const init = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1, pgp_keys: [k.base64Public], backup: true } });
    let done: any = null; // any: the update body is asserted field by field
    for (const key of c.keys.slice(0, 2)) done = (await api(c.server, 'PUT', 'sys/rekey/update', { body: { key, nonce: init.body.nonce } })).body;
    assert.equal(done.complete, true, JSON.stringify(done));
    const tokenEnv = { ...env, VAULT_TOKEN: c.root };
    const got = await runCli(['operator', 'rekey', '-backup-retrieve', '-format=json'], tokenEnv);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout).data.keys, { [k.fingerprint]: [done.keys[0]] });
    const table = await runCli(['operator', 'rekey', '-backup-retrieve'], tokenEnv);
    const esc = (x: string): string => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    assert.match(table.stdout, new RegExp(`${k.fingerprint}\\s+${esc(done.keys_base64[0])}`));
    const del = await runCli(['operator', 'rekey', '-backup-delete'], tokenEnv);
    assert.match(del.stdout, /Success! Delete backed-up keys/);
    const none = await runCli(['operator', 'rekey', '-backup-retrieve'], tokenEnv);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No backed-up keys found/);
  });
});
