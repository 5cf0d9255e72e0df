import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeToken, encodeToken, generateOtp, OTP_LENGTH } from './otp.js';

describe('root generation OTP', () => {
  it('is 28 base62 characters, fresh each time', () => {
    const a = generateOtp();
    assert.match(a, /^[0-9A-Za-z]{28}$/);
    assert.equal(OTP_LENGTH, 28);
    assert.notEqual(a, generateOtp());
  });

  it('encodes as unpadded base64 of token XOR otp and decodes back', () => {
    const token = 'hvs.abcdefghijklmnopqrstuvwx';
    const otp = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ01';
    const enc = encodeToken(token, otp);
    assert.doesNotMatch(enc, /=/);
    const raw = Buffer.from(enc, 'base64');
    assert.equal(raw[0], 'h'.charCodeAt(0) ^ 'A'.charCodeAt(0));
    assert.equal(decodeToken(enc, otp), token);
  });

  it('refuses an OTP of the wrong length and junk base64 with a 400', () => {
    const enc = encodeToken('hvs.abcdefghijklmnopqrstuvwx', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ01');
    assert.throws(() => decodeToken(enc, 'short'), (e: Error & { status?: number }) => e.status === 400);
    assert.throws(() => decodeToken('!!!', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ01'), (e: Error & { status?: number }) => e.status === 400);
  });
});

describe('decodeToken with Vault\'s own example', () => {
  it('a legacy 24-character token and OTP decode as Vault decodes them', () => {
    assert.equal(decodeToken('Bxg9JQQqOCNKBRICNwMIRzo2J3cWCBRi', '3JhHkONiyiaNYj14nnD9xZQS'), '4RUmoevJ3lsLni9sTXcNnRE1');
  });
});
