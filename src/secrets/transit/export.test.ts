import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { b64, mount, rejects, unb64, type Obj } from './mount.test-helper.js';

describe('transit export', () => {
  it('exports only exportable keys, public keys always', async () => {
    const t = mount();
    await t.write('keys/k');
    await rejects(t.call('read', 'export/encryption-key/k'), 400, 'private key material is not exportable');
    await t.write('keys/k/config', { exportable: true });
    await t.write('keys/k/rotate');
    const all = await t.data('read', 'export/encryption-key/k');
    assert.deepEqual(Object.keys(all.keys as Obj), ['1', '2']);
    assert.equal(Buffer.from(String((all.keys as Obj)['2']), 'base64').length, 32);
    assert.deepEqual(Object.keys((await t.data('read', 'export/encryption-key/k/latest')).keys as Obj), ['2']);
    await rejects(t.call('read', 'export/encryption-key/k/7'), 400, /does not exist/);
    await rejects(t.call('read', 'export/signing-key/k'), 400, /signing not supported/);
    await rejects(t.call('read', 'export/private-key/k'), 400, 'invalid export type: private-key');
    assert.equal(await t.call('read', 'export/encryption-key/missing'), null);

    const ec = await t.write('keys/ec', { type: 'ecdsa-p256' });
    const pub = await t.data('read', 'export/public-key/ec');
    assert.equal((pub.keys as Obj)['1'], ((ec.keys as Obj)['1'] as Obj).public_key);
    await rejects(t.call('read', 'export/signing-key/ec'), 400, 'private key material is not exportable');
    await t.write('keys/rsa', { type: 'rsa-2048', exportable: true });
    const rsa = String(((await t.data('read', 'export/signing-key/rsa')).keys as Obj)['1']);
    assert.match(rsa, /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.equal(createPrivateKey(rsa).asymmetricKeyType, 'rsa');
    await t.write('keys/ed', { type: 'ed25519', exportable: true });
    assert.equal(Buffer.from(String(((await t.data('read', 'export/signing-key/ed')).keys as Obj)['1']), 'base64').length, 64);
    await rejects(t.call('read', 'export/public-key/k'), 400, /public key not available/);
  });
});

describe('transit backup/restore', () => {
  it('backs up only exportable keys with allow_plaintext_backup and restores under a new name', async () => {
    const t = mount();
    await t.write('keys/k');
    const enc = await t.write('encrypt/k', { plaintext: b64('keep me') });
    await rejects(t.call('read', 'backup/k'), 400, 'exporting is disallowed on the policy');
    await t.write('keys/k/config', { exportable: true });
    await rejects(t.call('read', 'backup/k'), 400, 'plaintext backup is disallowed on the policy');
    await t.write('keys/k/config', { allow_plaintext_backup: true });
    assert.equal((await t.data('read', 'keys/k')).backup_info, undefined, 'no backup yet');
    const { backup } = await t.data('read', 'backup/k');
    // As Vault: the backup is recorded on the key (time and the version it covered).
    assert.deepEqual((await t.data('read', 'keys/k')).backup_info, { time: '2024-05-01T10:00:00.000000000Z', version: 1 });
    t.clock.t += 60_000;
    assert.equal(await t.call('update', 'restore/copy', { backup }), null);
    assert.equal(unb64((await t.write('decrypt/copy', { ciphertext: enc.ciphertext })).plaintext), 'keep me');
    const copy = await t.data('read', 'keys/copy');
    assert.equal(copy.name, 'copy');
    assert.deepEqual(copy.restore_info, { time: '2024-05-01T10:01:00.000000000Z', version: 1 });
    await rejects(t.call('update', 'restore', { backup }), 400, 'key "k" already exists');
    await rejects(t.call('update', 'restore/copy', { backup }), 400, 'key "copy" already exists');
    assert.equal(await t.call('update', 'restore/copy', { backup, force: true }), null);
    await rejects(t.call('update', 'restore/x', { backup: b64('{"nope":1}') }), 400, /invalid backup/);
    await rejects(t.call('update', 'restore/x', { backup: '***' }), 400, /base64/);
    await rejects(t.call('update', 'restore/x', {}), 400, "'backup' must be supplied");
    await rejects(t.call('read', 'backup/missing'), 400, /not found/);
  });
});

describe('transit random and hash', () => {
  it('returns random bytes', async () => {
    const t = mount();
    assert.equal(Buffer.from(String((await t.write('random')).random_bytes), 'base64').length, 32);
    assert.equal(String((await t.write('random/16', { format: 'hex' })).random_bytes).length, 32);
    assert.equal(Buffer.from(String((await t.write('random/platform/8')).random_bytes), 'base64').length, 8);
    await rejects(t.write('random', { bytes: 0 }), 400, /must be positive/);
    await rejects(t.write('random', { format: 'binary' }), 400, /unsupported encoding/);
    await rejects(t.write('random/moon/8'), 400, /unsupported entropy source/);
  });

  it('hashes input', async () => {
    const t = mount();
    const want = createHash('sha256').update('abc').digest('hex');
    assert.equal((await t.write('hash', { input: b64('abc') })).sum, want);
    assert.equal((await t.write('hash/sha3-256', { input: b64('abc'), format: 'base64' })).sum, createHash('sha3-256').update('abc').digest('base64'));
    assert.equal((await t.write('hash', { input: b64('abc'), algorithm: 'sha2-512' })).sum, createHash('sha512').update('abc').digest('hex'));
    await rejects(t.write('hash/md5', { input: b64('abc') }), 400, /unsupported hash algorithm/);
    await rejects(t.write('hash', { input: 'a b c' }), 400, /base64/);
  });
});
