import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { b64, mount, rejects, unb64, type Obj } from './mount.test-helper.js';

const CIPHERTEXT = /^vault:v(\d+):[A-Za-z0-9+/]+={0,2}$/;

describe('transit encrypt/decrypt', () => {
  it('round-trips every symmetric type and RSA', async () => {
    const t = mount();
    for (const type of ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305', 'rsa-2048']) {
      await t.write(`keys/${type}`, { type });
      const enc = await t.write(`encrypt/${type}`, { plaintext: b64('hello world') });
      assert.match(String(enc.ciphertext), CIPHERTEXT, type);
      assert.equal(enc.key_version, 1);
      const dec = await t.write(`decrypt/${type}`, { ciphertext: enc.ciphertext });
      assert.equal(unb64(dec.plaintext), 'hello world', type);
    }
    const aes = await t.write('encrypt/aes256-gcm96', { plaintext: '' });
    assert.equal((await t.write('decrypt/aes256-gcm96', { ciphertext: aes.ciphertext })).plaintext, '');
    const body = Buffer.from(String(aes.ciphertext).split(':')[2] ?? '', 'base64');
    assert.equal(body.length, 12 + 16, 'nonce ‖ ciphertext ‖ tag');
  });

  it('never repeats a nonce across nonce-pool refills', async () => {
    const t = mount();
    await t.write('keys/k');
    const seen = new Set<string>();
    for (let i = 0; i < 2500; i++) {
      const enc = await t.write('encrypt/k', { plaintext: b64('same') });
      seen.add(Buffer.from(String(enc.ciphertext).slice(9), 'base64').subarray(0, 12).toString('hex'));
    }
    assert.equal(seen.size, 2500);
  });

  it('binds associated_data', async () => {
    const t = mount();
    await t.write('keys/k');
    const enc = await t.write('encrypt/k', { plaintext: b64('x'), associated_data: b64('ctx-1') });
    assert.equal(unb64((await t.write('decrypt/k', { ciphertext: enc.ciphertext, associated_data: b64('ctx-1') })).plaintext), 'x');
    await rejects(t.write('decrypt/k', { ciphertext: enc.ciphertext, associated_data: b64('ctx-2') }), 400, 'cipher: message authentication failed');
    await rejects(t.write('decrypt/k', { ciphertext: enc.ciphertext }), 400, 'cipher: message authentication failed');
  });

  it('refuses bad input with clear 400s', async () => {
    const t = mount();
    await t.write('keys/k');
    await rejects(t.write('encrypt/nope', { plaintext: b64('x') }), 400, 'encryption key not found');
    await rejects(t.write('decrypt/nope', { ciphertext: 'vault:v1:AAAA' }), 400, 'encryption key not found');
    await rejects(t.write('encrypt/k', { plaintext: 'not base64!' }), 400, 'failed to base64-decode plaintext');
    await rejects(t.write('encrypt/k', {}), 400, 'missing plaintext to encrypt');
    await rejects(t.write('encrypt/k', { plaintext: b64('x'), key_version: 2 }), 400, /higher than the latest/);
    await rejects(t.write('encrypt/k', { plaintext: b64('x'), nonce: b64('123456789012') }), 400, 'provided nonce not allowed for this key');
    await rejects(t.write('decrypt/k', { ciphertext: 'garbage' }), 400, 'invalid ciphertext: no prefix');
    await rejects(t.write('decrypt/k', { ciphertext: 'vault:vx:AAAA' }), 400, /version number could not be decoded/);
    await rejects(t.write('decrypt/k', { ciphertext: 'vault:v9:AAAA' }), 400, 'invalid ciphertext: version is too new');
    await rejects(t.write('decrypt/k', { ciphertext: 'vault:v1:@@@@' }), 400, /could not decode base64/);
    const enc = await t.write('encrypt/k', { plaintext: b64('secret') });
    const raw = Buffer.from(String(enc.ciphertext).slice('vault:v1:'.length), 'base64');
    raw[14] = (raw[14] ?? 0) ^ 1;
    await rejects(t.write('decrypt/k', { ciphertext: `vault:v1:${raw.toString('base64')}` }), 400, 'cipher: message authentication failed');
    await rejects(t.write('decrypt/k', { ciphertext: 'vault:v1:AAAA' }), 400, 'cipher: message authentication failed');
    // v0 is read as v1.
    assert.equal(unb64((await t.write('decrypt/k', { ciphertext: String(enc.ciphertext).replace('vault:v1:', 'vault:v0:') })).plaintext), 'secret');
    await t.write('keys/sig', { type: 'ed25519' });
    await rejects(t.write('encrypt/sig', { plaintext: b64('x') }), 400, 'key type ed25519 does not support encryption');
  });

  it('keeps old versions decrypting across rotation until min_decryption_version', async () => {
    const t = mount();
    await t.write('keys/k');
    const v1 = await t.write('encrypt/k', { plaintext: b64('one') });
    await t.write('keys/k/rotate');
    const v2 = await t.write('encrypt/k', { plaintext: b64('two') });
    assert.match(String(v2.ciphertext), /^vault:v2:/);
    assert.equal(unb64((await t.write('decrypt/k', { ciphertext: v1.ciphertext })).plaintext), 'one');
    const old = await t.write('encrypt/k', { plaintext: b64('old'), key_version: 1 });
    assert.equal(old.key_version, 1);
    const rewrapped = await t.write('rewrap/k', { ciphertext: v1.ciphertext });
    assert.equal(rewrapped.key_version, 2);
    assert.equal(unb64((await t.write('decrypt/k', { ciphertext: rewrapped.ciphertext })).plaintext), 'one');
    await t.write('keys/k/config', { min_decryption_version: 2 });
    await rejects(t.write('decrypt/k', { ciphertext: v1.ciphertext }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
    await rejects(t.write('rewrap/k', { ciphertext: v1.ciphertext }), 400, /too old/);
    await rejects(t.write('encrypt/k', { plaintext: b64('x'), key_version: 1 }), 400);
    await t.write('keys/k/config', { min_encryption_version: 2 });
    await rejects(t.write('encrypt/k', { plaintext: b64('x'), key_version: 1 }), 400, /less than the minimum encryption key version/);
    // Nothing lost: v2 ciphertexts still decrypt, and lowering the bound restores v1.
    assert.equal(unb64((await t.write('decrypt/k', { ciphertext: v2.ciphertext })).plaintext), 'two');
    await t.write('keys/k/config', { min_decryption_version: 1, min_encryption_version: 0 });
    assert.equal(unb64((await t.write('decrypt/k', { ciphertext: v1.ciphertext })).plaintext), 'one');
  });

  it('derives per-context keys and encrypts convergently when asked', async () => {
    const t = mount();
    await t.write('keys/d', { derived: true });
    await rejects(t.write('encrypt/d', { plaintext: b64('x') }), 400, /missing 'context' for key derivation/);
    const a = await t.write('encrypt/d', { plaintext: b64('x'), context: b64('user-a') });
    await rejects(t.write('decrypt/d', { ciphertext: a.ciphertext, context: b64('user-b') }), 400, 'cipher: message authentication failed');
    assert.equal(unb64((await t.write('decrypt/d', { ciphertext: a.ciphertext, context: b64('user-a') })).plaintext), 'x');
    const a2 = await t.write('encrypt/d', { plaintext: b64('x'), context: b64('user-a') });
    assert.notEqual(a.ciphertext, a2.ciphertext, 'random nonces');

    await t.write('keys/c', { derived: true, convergent_encryption: true });
    const c1 = await t.write('encrypt/c', { plaintext: b64('same'), context: b64('ctx') });
    const c2 = await t.write('encrypt/c', { plaintext: b64('same'), context: b64('ctx') });
    const c3 = await t.write('encrypt/c', { plaintext: b64('same'), context: b64('other') });
    assert.equal(c1.ciphertext, c2.ciphertext);
    assert.notEqual(c1.ciphertext, c3.ciphertext);
    assert.equal(unb64((await t.write('decrypt/c', { ciphertext: c3.ciphertext, context: b64('other') })).plaintext), 'same');
  });

  it('upserts a missing key only with create capability', async () => {
    const t = mount();
    await rejects(t.call('update', 'encrypt/new', { plaintext: b64('x') }, false), 400, 'encryption key not found');
    assert.equal(await t.call('read', 'keys/new'), null);
    const res = await t.call('update', 'encrypt/new', { plaintext: b64('x') }, true);
    assert.match(String(res?.data?.ciphertext), /^vault:v1:/);
    assert.equal((await t.data('read', 'keys/new')).type, 'aes256-gcm96');
    await t.call('update', 'encrypt/derived', { batch_input: [{ plaintext: b64('x'), context: b64('c') }] }, true);
    assert.equal((await t.data('read', 'keys/derived')).derived, true);
    await rejects(t.call('update', 'encrypt/e', { plaintext: b64('x'), type: 'ed25519' }, true), 400, /does not support encryption/);
  });

  it('runs batches with per-item errors and echoed references', async () => {
    const t = mount();
    await t.write('keys/k');
    const ok = await t.write('encrypt/k', { batch_input: [{ plaintext: b64('a'), reference: 'r1' }, { plaintext: b64('b') }] });
    const items = ok.batch_results as Obj[];
    assert.equal(items.length, 2);
    assert.equal(items[0]?.reference, 'r1');
    assert.equal(items[1]?.reference, '');
    assert.equal(items[0]?.key_version, 1);
    const res = await t.call('update', 'decrypt/k', {
      batch_input: [{ ciphertext: items[0]?.ciphertext, reference: 'good' }, { ciphertext: 'vault:v1:AAAA', reference: 'bad' }, { ciphertext: items[1]?.ciphertext }],
    });
    assert.equal(res?.status, 400);
    const out = res?.data?.batch_results as Obj[];
    assert.deepEqual(out[0], { plaintext: b64('a'), reference: 'good' });
    assert.deepEqual(out[1], { error: 'cipher: message authentication failed', reference: 'bad' });
    assert.equal(unb64(out[2]?.plaintext), 'b');
    const partial = await t.call('update', 'encrypt/k', { batch_input: [{ plaintext: b64('a') }, { plaintext: '!!' }], partial_failure_response_code: 207 });
    assert.equal(partial?.status, 207);
    assert.equal((partial?.data?.batch_results as Obj[])[1]?.error, 'failed to base64-decode plaintext');
    const rw = await t.write('rewrap/k', { batch_input: [{ ciphertext: items[0]?.ciphertext, reference: 'x' }] });
    assert.equal((rw.batch_results as Obj[])[0]?.reference, 'x');
    await rejects(t.write('encrypt/k', { batch_input: [] }), 400, 'missing batch input to process');
    await rejects(t.write('encrypt/k', { batch_input: 'nope' }), 400, /failed to parse batch input/);
    // The JSON-string form the CLI sends is accepted too.
    const s = await t.write('encrypt/k', { batch_input: JSON.stringify([{ plaintext: b64('z') }]) });
    assert.equal((s.batch_results as Obj[]).length, 1);
  });

  it('generates data keys', async () => {
    const t = mount();
    await t.write('keys/k');
    const p = await t.write('datakey/plaintext/k', { bits: 512 });
    assert.equal(Buffer.from(String(p.plaintext), 'base64').length, 64);
    assert.equal((await t.write('decrypt/k', { ciphertext: p.ciphertext })).plaintext, p.plaintext);
    const w = await t.write('datakey/wrapped/k');
    assert.equal(w.plaintext, undefined);
    assert.equal(Buffer.from(String((await t.write('decrypt/k', { ciphertext: w.ciphertext })).plaintext), 'base64').length, 32);
    await rejects(t.write('datakey/plaintext/k', { bits: 100 }), 400, /invalid bits/);
    await rejects(t.write('datakey/plaintext/none'), 400, 'encryption key not found');
  });
});
