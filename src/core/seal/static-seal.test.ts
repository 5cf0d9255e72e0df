import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { SealError } from './auto-seal.js';
import { StaticSeal } from './static-seal.js';

const key = (): Buffer => randomBytes(32);

describe('StaticSeal', () => {
  test('wraps and unwraps; the ciphertext names the key id and is not the plaintext', async () => {
    const seal = new StaticSeal({ type: 'static', currentKeyId: 'k1', currentKey: key() });
    const secret = randomBytes(32);
    const w = await seal.wrap(secret, 'root-key');
    assert.equal(w.seal, 'static');
    assert.equal(w.key_id, 'k1');
    assert.ok(!Buffer.from(w.ciphertext, 'base64').includes(secret));
    assert.deepEqual(await seal.unwrap(w, 'root-key'), secret);
  });

  test('a wrong key with the same id is refused with a clear, non-retryable error', async () => {
    const w = await new StaticSeal({ type: 'static', currentKeyId: 'k1', currentKey: key() }).wrap(randomBytes(32), 'root-key');
    const other = new StaticSeal({ type: 'static', currentKeyId: 'k1', currentKey: key() });
    await assert.rejects(other.unwrap(w, 'root-key'), (e: unknown) => e instanceof SealError && !e.retryable && /key id "k1" does not decrypt the stored root key/.test(e.message));
  });

  test('a value of another purpose does not open (purpose is bound)', async () => {
    const seal = new StaticSeal({ type: 'static', currentKeyId: 'k1', currentKey: key() });
    const w = await seal.wrap(randomBytes(32), 'root-key');
    await assert.rejects(seal.unwrap(w, 'recovery-key'), SealError);
  });

  test('the previous key opens values it sealed; an unknown key id is named in the error', async () => {
    const old = key();
    const w = await new StaticSeal({ type: 'static', currentKeyId: 'old', currentKey: old }).wrap(Buffer.from('x'), 'root-key');
    const rotated = new StaticSeal({ type: 'static', currentKeyId: 'new', currentKey: key(), previousKeyId: 'old', previousKey: old });
    assert.deepEqual(await rotated.unwrap(w, 'root-key'), Buffer.from('x'));
    assert.equal((await rotated.wrap(Buffer.from('y'), 'root-key')).key_id, 'new');
    const without = new StaticSeal({ type: 'static', currentKeyId: 'new', currentKey: key() });
    await assert.rejects(without.unwrap(w, 'root-key'), /sealed with key id "old", but the configured key ids are "new"/);
  });
});
