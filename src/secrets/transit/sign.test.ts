import assert from 'node:assert/strict';
import { createHash, createHmac, createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { b64, mount, rejects, type Obj } from './mount.test-helper.js';

const publicPem = (info: Obj, v = '1'): string => String(((info.keys as Obj)[v] as Obj).public_key);

describe('transit sign/verify', () => {
  it('signs and verifies with ed25519 (checked against node:crypto)', async () => {
    const t = mount();
    const info = await t.write('keys/ed', { type: 'ed25519' });
    const s = await t.write('sign/ed', { input: b64('message') });
    assert.match(String(s.signature), /^vault:v1:/);
    assert.equal(s.key_version, 1);
    const raw = Buffer.from(String(s.signature).slice(9), 'base64');
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicPem(info), 'base64').toString('base64url') }, format: 'jwk' });
    assert.ok(verify(null, Buffer.from('message'), pub, raw));
    assert.deepEqual(await t.write('verify/ed', { input: b64('message'), signature: s.signature }), { valid: true });
    assert.deepEqual(await t.write('verify/ed', { input: b64('other'), signature: s.signature }), { valid: false });
  });

  it('signs with ecdsa in asn1 and jws marshaling and with each hash', async () => {
    const t = mount();
    const info = await t.write('keys/ec', { type: 'ecdsa-p256' });
    const s = await t.write('sign/ec', { input: b64('m') });
    assert.ok(verify('sha256', Buffer.from('m'), publicPem(info), Buffer.from(String(s.signature).slice(9), 'base64')));
    assert.equal((await t.write('verify/ec', { input: b64('m'), signature: s.signature })).valid, true);
    const jws = await t.write('sign/ec/sha2-384', { input: b64('m'), marshaling_algorithm: 'jws' });
    const body = String(jws.signature).slice(9);
    assert.match(body, /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(body, 'base64url').length, 64, 'r ‖ s');
    assert.equal((await t.write('verify/ec/sha2-384', { input: b64('m'), signature: jws.signature, marshaling_algorithm: 'jws' })).valid, true);
    assert.equal((await t.write('verify/ec/sha2-256', { input: b64('m'), signature: jws.signature, marshaling_algorithm: 'jws' })).valid, false);
    assert.equal((await t.write('verify/ec', { input: b64('m'), signature: 'vault:v1:AAAA' })).valid, false);
    await rejects(t.write('sign/ec', { input: b64('m'), prehashed: true }), 400, /prehashed/);
    await rejects(t.write('sign/ec', { input: b64('m'), marshaling_algorithm: 'xml' }), 400, /marshaling/);
    await rejects(t.write('sign/ec/md5', { input: b64('m') }), 400, /unsupported hash algorithm/);
  });

  it('signs with rsa pss and pkcs1v15, prehashed and raw', async () => {
    const t = mount();
    const info = await t.write('keys/rsa', { type: 'rsa-2048' });
    const pem = publicPem(info);
    const pss = await t.write('sign/rsa', { input: b64('m') });
    assert.equal((await t.write('verify/rsa', { input: b64('m'), signature: pss.signature })).valid, true);
    const hashSalt = await t.write('sign/rsa', { input: b64('m'), salt_length: 'hash' });
    assert.equal((await t.write('verify/rsa', { input: b64('m'), signature: hashSalt.signature, salt_length: 'hash' })).valid, true);
    const v15 = await t.write('sign/rsa/sha2-512', { input: b64('m'), signature_algorithm: 'pkcs1v15' });
    assert.ok(verify('sha512', Buffer.from('m'), pem, Buffer.from(String(v15.signature).slice(9), 'base64')));
    const digest = createHash('sha256').update('m').digest();
    const pre = await t.write('sign/rsa', { input: digest.toString('base64'), signature_algorithm: 'pkcs1v15', prehashed: true });
    assert.ok(verify('sha256', Buffer.from('m'), pem, Buffer.from(String(pre.signature).slice(9), 'base64')), 'prehashed equals hashing ourselves');
    assert.equal((await t.write('verify/rsa', { input: digest.toString('base64'), signature: pre.signature, signature_algorithm: 'pkcs1v15', prehashed: true })).valid, true);
    const none = await t.write('sign/rsa/none', { input: b64('raw'), signature_algorithm: 'pkcs1v15' });
    assert.equal((await t.write('verify/rsa/none', { input: b64('raw'), signature: none.signature, signature_algorithm: 'pkcs1v15' })).valid, true);
    await rejects(t.write('sign/rsa', { input: b64('short'), signature_algorithm: 'pkcs1v15', prehashed: true }), 400, /must be 32 bytes/);
    await rejects(t.write('sign/rsa/none', { input: b64('m') }), 400, /requires signature_algorithm=pkcs1v15/);
    await rejects(t.write('sign/rsa', { input: b64('m'), signature_algorithm: 'dsa' }), 400, /unsupported signature algorithm/);
  });

  it('applies version policy to signatures', async () => {
    const t = mount();
    await t.write('keys/ed', { type: 'ed25519' });
    const v1 = await t.write('sign/ed', { input: b64('m') });
    await t.write('keys/ed/rotate');
    const v2 = await t.write('sign/ed', { input: b64('m') });
    assert.equal(v2.key_version, 2);
    assert.equal((await t.write('verify/ed', { input: b64('m'), signature: v1.signature })).valid, true);
    await t.write('keys/ed/config', { min_decryption_version: 2 });
    await rejects(t.write('verify/ed', { input: b64('m'), signature: v1.signature }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
    await rejects(t.write('verify/ed', { input: b64('m'), signature: 'vault:v3:AAAA' }), 400, 'invalid signature: version is too new');
    await rejects(t.write('verify/ed', { input: b64('m'), signature: 'nope' }), 400, 'invalid signature: no prefix');
  });

  it('refuses signing with the wrong key type or a missing key', async () => {
    const t = mount();
    await t.write('keys/aes');
    await rejects(t.write('sign/aes', { input: b64('m') }), 400, 'key type aes256-gcm96 does not support signing');
    await rejects(t.write('sign/none', { input: b64('m') }), 400, 'signing key not found');
    await rejects(t.write('verify/aes', { input: b64('m'), signature: 'vault:v1:AAAA' }), 400, /does not support verification/);
    await rejects(t.write('verify/aes', { input: b64('m') }), 400, /missing signature or hmac/);
  });

  it('batches signatures', async () => {
    const t = mount();
    await t.write('keys/ed', { type: 'ed25519' });
    const s = await t.write('sign/ed', { batch_input: [{ input: b64('a'), reference: '1' }, { input: b64('b'), reference: '2' }] });
    const sigs = s.batch_results as Obj[];
    const v = await t.call('update', 'verify/ed', {
      batch_input: [{ input: b64('a'), signature: sigs[0]?.signature, reference: 'a' }, { input: b64('a'), signature: sigs[1]?.signature }, { input: '%%', signature: sigs[0]?.signature }],
    });
    assert.equal(v?.status, 400);
    assert.deepEqual(v?.data?.batch_results, [{ valid: true, reference: 'a' }, { valid: false, reference: '' }, { error: 'failed to base64-decode input', reference: '' }]);
  });
});

describe('transit hmac', () => {
  it('computes and verifies HMACs per version and algorithm', async () => {
    const t = mount();
    await t.write('keys/h', { type: 'hmac', exportable: true });
    const h = await t.write('hmac/h', { input: b64('data') });
    assert.match(String(h.hmac), /^vault:v1:/);
    const key = Buffer.from(String(((await t.data('read', 'export/hmac-key/h/1')).keys as Obj)['1']), 'base64');
    assert.equal(String(h.hmac).slice(9), createHmac('sha256', key).update('data').digest('base64'));
    const h512 = await t.write('hmac/h/sha3-512', { input: b64('data') });
    assert.equal(Buffer.from(String(h512.hmac).slice(9), 'base64').length, 64);
    assert.equal((await t.write('verify/h', { input: b64('data'), hmac: h.hmac })).valid, true);
    assert.equal((await t.write('verify/h/sha3-512', { input: b64('data'), hmac: h512.hmac })).valid, true);
    assert.equal((await t.write('verify/h', { input: b64('datA'), hmac: h.hmac })).valid, false);
    await rejects(t.write('hmac/h/md5', { input: b64('x') }), 400, /unsupported hash algorithm/);
    await rejects(t.write('hmac/h', { input: b64('x'), key_version: 2 }), 400, /higher than the latest/);
    await rejects(t.write('hmac/nokey', { input: b64('x') }), 400, 'encryption key not found');
    await t.write('keys/aes');
    const batch = await t.write('hmac/aes', { batch_input: [{ input: b64('a'), reference: 'r' }] });
    assert.match(String((batch.batch_results as Obj[])[0]?.hmac), /^vault:v1:/);
    assert.equal((batch.batch_results as Obj[])[0]?.reference, 'r');
  });
});
