import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pemBodies } from './parsed-cert.js';

describe('pemBodies', () => {
  it('finds the labelled blocks in order and skips others', () => {
    const text = 'junk\n-----BEGIN CERTIFICATE-----\nQUJD\nREVG\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nX\n-----END PRIVATE KEY-----\n-----BEGIN TRUSTED CERTIFICATE-----\nR0g=\n-----END TRUSTED CERTIFICATE-----';
    assert.deepEqual(pemBodies(text, ['CERTIFICATE', 'TRUSTED CERTIFICATE']), ['QUJDREVG', 'R0g=']);
  });
  it('an unterminated block ends the scan; many of them cost one pass', () => {
    assert.deepEqual(pemBodies('-----BEGIN CERTIFICATE-----\nQUJD', ['CERTIFICATE']), []);
    const hostile = '-----BEGIN CERTIFICATE-----'.repeat(200_000);
    assert.deepEqual(pemBodies(hostile, ['CERTIFICATE']), []);
  });
});
