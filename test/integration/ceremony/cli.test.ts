/** `ward operator rekey` and `ward operator generate-root` against a real server with real Shamir shares. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/testing.js';
import { api } from '../../helpers/server.js';
import { openpgpDecrypt, testPgpKey } from '../../helpers/pgp.js';
import { initCluster, seal, unseal, type Cluster } from './harness.js';

/** Output with vault's 78-column wrapping undone, to find a sentence in it. */
const flat = (s: string): string => s.replace(/\s+/g, ' ');

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
    assert.ok(flat(two.stdout).includes(' Ward rekeyed with 2 key shares and a key threshold of 2. Please securely distribute the key shares printed above. When Ward is re-sealed, restarted, or stopped, you must supply at least 2 of these keys to unseal it before it can start servicing requests. '), two.stdout);
    assert.ok(two.stdout.split('\n').every((l) => l.length <= 78), 'wrapped at 78 columns, as vault');
    assert.match(two.stdout, /^Operation nonce: [0-9a-f-]{36}$/m);
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
    // As vault's CLI, the XOR is undone locally: the token never travels back over the wire,
    // and -format=json does not change the output (vault prints it raw).
    const offline = await runCli(['operator', 'generate-root', '-format=json', `-decode=${encoded}`, `-otp=${otp}`], { ...env, VAULT_ADDR: 'http://127.0.0.1:1' });
    assert.deepEqual([offline.code, offline.stdout], [0, `${token}\n`], offline.stderr);
    const short = await runCli(['operator', 'generate-root', `-decode=${encoded}`, '-otp=abc'], env);
    assert.deepEqual([short.code, short.stderr.trim()], [1, 'Error xoring token: length of byte slices is not equivalent: 28 != 3']);
    const junk = await runCli(['operator', 'generate-root', '-decode=not base64!', `-otp=${otp}`], env);
    assert.equal(junk.code, 1);
    assert.match(junk.stderr, /^Error decoding base64'd token: illegal base64 data at input byte 3$/m);
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

  it('without an attempt in progress: vault\'s "No ... is in progress" and exit 1; -decode without -otp likewise', async () => {
    const rk = await runCli(['operator', 'rekey', c.keys[0]!], env);
    assert.deepEqual([rk.code, flat(rk.stderr).trim()], [1, 'No rekey is in progress. Start a rekey process by running "ward operator rekey -init".']);
    const gr = await runCli(['operator', 'generate-root', c.keys[0]!], env);
    assert.equal(gr.code, 1);
    assert.ok(flat(gr.stderr).startsWith('No root generation is in progress. Start a root generation by running "ward operator generate-root -init". '), gr.stderr);
    const dec = await runCli(['operator', 'generate-root', '-decode=abc'], env);
    assert.deepEqual([dec.code, dec.stderr.trim()], [1, 'Missing otp: use -otp to supply it']);
  });

  it('generate-root -init warns about the generated OTP and prints vault\'s rows', async () => {
    const init = await runCli(['operator', 'generate-root', '-init'], env);
    assert.equal(init.code, 0, init.stderr);
    assert.ok(flat(init.stderr).includes('A One-Time-Password has been generated for you and is shown in the OTP field. You will need this value to decode the resulting root token, so keep it safe.'), init.stderr);
    const rows = [...init.stdout.matchAll(/^(Nonce|Started|Progress|Complete|OTP|OTP Length)  +\S+$/gm)].map((m) => m[1]);
    assert.deepEqual(rows, ['Nonce', 'Started', 'Progress', 'Complete', 'OTP', 'OTP Length']);
    assert.equal((await runCli(['operator', 'generate-root', '-cancel'], env)).code, 0);
  });

  it('rekey with -verify and -pgp-keys: vault\'s key lines, the verification status, then the verified message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-cli-pgp-'));
    const a = await testPgpKey('erin');
    const b = await testPgpKey('frank');
    writeFileSync(join(dir, 'a.asc'), a.armoredPublic);
    writeFileSync(join(dir, 'b.asc'), b.armoredPublic);
    const init = await runCli(['operator', 'rekey', '-init', '-key-shares=2', '-key-threshold=2', '-verify', `-pgp-keys=${join(dir, 'a.asc')},${join(dir, 'b.asc')}`], env);
    assert.equal(init.code, 0, init.stderr);
    assert.ok(flat(init.stderr).includes('WARNING! You are using PGP keys for encrypted the resulting unseal keys, but you did not enable the option to backup the keys'), init.stderr);
    assert.match(init.stdout, new RegExp(`^PGP Fingerprints  +\\[${a.fingerprint} ${b.fingerprint}\\]$`, 'm'));
    const nonce = /Nonce\s+(\S+)/.exec(init.stdout)![1]!;
    assert.equal((await runCli(['operator', 'rekey', `-nonce=${nonce}`, c.keys[0]!], env)).code, 0);
    const done = await runCli(['operator', 'rekey', `-nonce=${nonce}`, c.keys[1]!], env);
    assert.equal(done.code, 0, done.stderr);
    const lines = [...done.stdout.matchAll(/^Key (\d) fingerprint: (\S+); value: (\S+)$/gm)];
    assert.deepEqual(lines.map((m) => [m[1], m[2]]), [['1', a.fingerprint], ['2', b.fingerprint]]);
    assert.ok(flat(done.stdout).includes(' Ward has created a new key, split into 2 key shares and a key threshold of 2. These will not be active until after verification is complete.'), done.stdout);
    assert.ok(flat(done.stderr).includes('Again, these key shares are _not_ valid until verification is performed.'), done.stderr);
    const vnonce = /^Verification Nonce  +(\S+)$/m.exec(done.stdout)?.[1];
    assert.ok(vnonce && vnonce !== nonce, done.stdout);
    assert.match(done.stdout, /^Verification Progress  +0\/2$/m);
    const shares = await Promise.all(lines.map((m, i) => openpgpDecrypt(i === 0 ? a : b, Buffer.from(m[3]!, 'base64'))));
    const st = await runCli(['operator', 'rekey', '-status', '-verify'], env);
    assert.deepEqual([...st.stdout.matchAll(/^(\S+(?: \S+)*?)  +\S+$/gm)].map((m) => m[1]).slice(2), ['Started', 'New Shares', 'New Threshold', 'Verification Nonce', 'Verification Progress']);
    const cancel = await runCli(['operator', 'rekey', '-cancel', '-verify'], env);
    assert.equal(cancel.stdout, 'Success! Canceled rekeying (if it was started)\n');
    const vnonce2 = /^Verification Nonce  +(\S+)$/m.exec((await runCli(['operator', 'rekey', '-status', '-verify'], env)).stdout)![1]!;
    assert.equal((await runCli(['operator', 'rekey', '-verify', `-nonce=${vnonce2}`, shares[0]!], env)).code, 0);
    const ok = await runCli(['operator', 'rekey', '-verify', `-nonce=${vnonce2}`, shares[1]!], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(flat(ok.stdout), 'Rekey verification successful. The rekey operation is complete and the new keys are now active. ');
    await seal(c.server, c.root);
    assert.equal((await unseal(c.server, shares)).body.sealed, false);
    c.keys = shares;
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
    assert.equal(del.stdout, 'Success! Delete stored keys (if they existed)\n');
    const none = await runCli(['operator', 'rekey', '-backup-retrieve'], tokenEnv);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No backed-up keys found/);
  });
});
