import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPrivateKey } from 'node:crypto';
import { WardError } from '../../sdk/errors.js';
import { generateKey, normalizeKeyBits } from './keys.js';
import { turnsDuring } from '../../../test/helpers/loop.js';

describe('pki key generation', () => {
  it('generates an RSA-4096 key while the event loop keeps turning', async () => {
    // 4096 rather than 8192 keeps the suite quick; blocking or not does not depend on size.
    const { turns, value } = await turnsDuring(() => generateKey('rsa', 4096));
    assert.ok(turns >= 10, `the event loop turned only ${turns} times while an RSA-4096 key was generated`);
    const k = createPrivateKey(value.privateKeyPem);
    assert.equal(k.asymmetricKeyType, 'rsa');
    assert.equal(k.asymmetricKeyDetails?.modulusLength, 4096);
    assert.equal(value.bits, 4096);
  });

  it('generates EC and Ed25519 keys of the requested kind', async () => {
    const ec = await generateKey('ec', 384);
    assert.equal(createPrivateKey(ec.privateKeyPem).asymmetricKeyDetails?.namedCurve, 'secp384r1');
    const ed = await generateKey('ed25519', 0);
    assert.equal(createPrivateKey(ed.privateKeyPem).asymmetricKeyType, 'ed25519');
  });

  it('bounds key sizes per type as Vault does', () => {
    for (const bits of [2048, 3072, 4096, 8192]) assert.equal(normalizeKeyBits('rsa', bits), bits);
    for (const bits of [1024, 2047, 16384, 65536, -1]) {
      assert.throws(() => normalizeKeyBits('rsa', bits), (e) => WardError.is(e) && e.status === 400 && /unsupported bit length for RSA key/.test(e.message));
    }
    for (const bits of [128, 512, 1024]) {
      assert.throws(() => normalizeKeyBits('ec', bits), (e) => WardError.is(e) && e.status === 400 && /unsupported bit length for EC key/.test(e.message));
    }
  });
});
