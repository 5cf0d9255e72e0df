import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colonSerial, pemBlocks, randomSerialHex, serialKey, toPem } from './format.js';
import { resolveNotAfter } from './issuance.js';
import { normalizeKeyBits } from './keys.js';
import { isWardError } from '../../../test/helpers/errors.js';

const H = 3600 * 1000;

describe('pki lifetimes', () => {
  const now = 1_700_000_000_000;
  it('uses the requested ttl, else the default', () => {
    assert.equal(resolveNotAfter({ now, requestedTtl: 3600, defaultTtl: 60, maxTtl: 0 }).notAfter, now + H);
    assert.equal(resolveNotAfter({ now, requestedTtl: 0, defaultTtl: 60, maxTtl: 0 }).notAfter, now + 60_000);
  });
  it('caps at max_ttl with a warning', () => {
    const r = resolveNotAfter({ now, requestedTtl: 100 * 3600, defaultTtl: 0, maxTtl: 72 * 3600 });
    assert.equal(r.notAfter, now + 72 * H);
    assert.match(r.warnings[0] ?? '', /truncated/);
  });
  it('falls back to max_ttl when nothing else is set', () => {
    assert.equal(resolveNotAfter({ now, requestedTtl: 0, defaultTtl: 0, maxTtl: 10 }).notAfter, now + 10_000);
  });
  it('never outlives the issuer', () => {
    const r = resolveNotAfter({ now, requestedTtl: 10 * 3600, defaultTtl: 0, maxTtl: 0, issuerNotAfter: now + H });
    assert.equal(r.notAfter, now + H);
    assert.equal(r.warnings.length, 1);
  });
  it('refuses an expired issuer or no ttl at all', () => {
    assert.throws(() => resolveNotAfter({ now, requestedTtl: 60, defaultTtl: 0, maxTtl: 0, issuerNotAfter: now - 1 }), isWardError(400));
    assert.throws(() => resolveNotAfter({ now, requestedTtl: 0, defaultTtl: 0, maxTtl: 0 }), isWardError(400));
  });
});

describe('pki formats', () => {
  it('formats serials in colon form and normalises input', () => {
    assert.equal(colonSerial('0A1B2C'), '0a:1b:2c');
    assert.equal(colonSerial('abc'), '0a:bc');
    assert.equal(serialKey('0A:1b:2c'), '0a-1b-2c');
    assert.equal(serialKey('0a-1b-2c'), '0a-1b-2c');
    assert.throws(() => serialKey('zz'), isWardError(400));
  });
  it('generates positive 20-byte serials', () => {
    for (let i = 0; i < 50; i++) {
      const s = randomSerialHex();
      assert.equal(s.length, 40);
      assert.ok(Number.parseInt(s.slice(0, 2), 16) < 0x80 && s.slice(0, 2) !== '00');
    }
  });
  it('splits and builds PEM', () => {
    const pem = toPem(Buffer.alloc(100, 1), 'CERTIFICATE');
    assert.deepEqual(pemBlocks(`junk\n${pem}\n\n${pem}\n`), [pem, pem]);
    assert.ok(pem.split('\n').every((l) => l.length <= 64));
  });
  it('normalises key sizes', () => {
    assert.equal(normalizeKeyBits('rsa', 0), 2048);
    assert.equal(normalizeKeyBits('ec', 0), 256);
    assert.equal(normalizeKeyBits('ec', 384), 384);
    assert.equal(normalizeKeyBits('ed25519', 4096), 0);
    assert.throws(() => normalizeKeyBits('rsa', 1024), isWardError(400));
    assert.throws(() => normalizeKeyBits('dsa', 0), isWardError(400));
  });
});
