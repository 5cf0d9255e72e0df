import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode, hotp, keyUrl, parseKeyUrl, totpAt, validateTotp } from './otp.js';

const SHA1 = Buffer.from('12345678901234567890');
const SHA256 = Buffer.from('12345678901234567890123456789012');
const SHA512 = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234');

describe('RFC 4226 HOTP test vectors (Appendix D)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  expected.forEach((code, counter) => {
    it(`counter ${counter} → ${code}`, () => assert.equal(hotp(SHA1, BigInt(counter), 6, 'SHA1'), code));
  });
});

describe('RFC 6238 TOTP test vectors (Appendix B)', () => {
  const table: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  for (const [t, s1, s256, s512] of table) {
    it(`T=${t}`, () => {
      assert.equal(totpAt(SHA1, t * 1000, { period: 30, digits: 8, algorithm: 'SHA1' }), s1);
      assert.equal(totpAt(SHA256, t * 1000, { period: 30, digits: 8, algorithm: 'SHA256' }), s256);
      assert.equal(totpAt(SHA512, t * 1000, { period: 30, digits: 8, algorithm: 'SHA512' }), s512);
    });
  }
});

describe('TOTP validation with skew', () => {
  const opts = { period: 30, digits: 6, algorithm: 'SHA1' as const };
  const now = 1_700_000_015_000;
  it('accepts the current code and one period either side with skew 1, not two', () => {
    for (const [dt, ok] of [[0, true], [-30, true], [30, true], [-60, false], [60, false]] as const) {
      const code = totpAt(SHA1, now + dt * 1000, opts);
      assert.equal(validateTotp(SHA1, code, now, { ...opts, skew: 1 }), ok, `offset ${dt}s`);
    }
  });
  it('skew 0 accepts only the current period', () => {
    assert.equal(validateTotp(SHA1, totpAt(SHA1, now - 30_000, opts), now, { ...opts, skew: 0 }), false);
    assert.equal(validateTotp(SHA1, totpAt(SHA1, now, opts), now, { ...opts, skew: 0 }), true);
  });
  it('a code of the wrong length is simply invalid', () => {
    assert.equal(validateTotp(SHA1, '12345', now, { ...opts, skew: 1 }), false);
    assert.equal(validateTotp(SHA1, '', now, { ...opts, skew: 1 }), false);
  });
});

describe('base32 and otpauth URLs', () => {
  it('round-trips base32 (RFC 4648 vectors, no padding)', () => {
    for (const [raw, enc] of [['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']]) {
      assert.equal(base32Encode(Buffer.from(raw!)), enc);
      assert.equal(base32Decode(enc!).toString(), raw);
      assert.equal(base32Decode(`${enc!.toLowerCase()}${'='.repeat((8 - (enc!.length % 8)) % 8)}`).toString(), raw);
    }
  });
  it('refuses characters outside the alphabet, naming the byte', () => {
    assert.throws(() => base32Decode('MZXW1YTB'), /^Error: illegal base32 data at input byte 4$/);
  });
  it('builds the URL pquerna/otp builds and parses it back', () => {
    const url = keyUrl({ issuer: 'Ward Inc', accountName: 'alice@example.com', secret: 'JBSWY3DPEHPK3PXP', period: 30, digits: 6, algorithm: 'SHA1' });
    assert.equal(url, 'otpauth://totp/Ward%20Inc:alice@example.com?algorithm=SHA1&digits=6&issuer=Ward+Inc&period=30&secret=JBSWY3DPEHPK3PXP');
    assert.deepEqual(parseKeyUrl(url), { issuer: 'Ward Inc', accountName: 'alice@example.com', secret: 'JBSWY3DPEHPK3PXP', period: '30', digits: '6', algorithm: 'SHA1' });
    assert.deepEqual(parseKeyUrl('otpauth://totp/Google:test@gmail.com?secret=Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G&issuer=Google'), {
      issuer: 'Google',
      accountName: 'test@gmail.com',
      secret: 'Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G',
      period: '',
      digits: '',
      algorithm: '',
    });
    assert.deepEqual(parseKeyUrl('otpauth://totp/bob?secret=AAAA'), { issuer: '', accountName: 'bob', secret: 'AAAA', period: '', digits: '', algorithm: '' });
  });
});
