import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wardErrorOfSync } from '../../../test/helpers/errors.js';
import { DEFAULT_CRL_CONFIG, crlTimes, mergeCrlConfig, type CrlConfig } from './crl-config.js';

describe('mergeCrlConfig', () => {
  const ok: [string, Partial<CrlConfig>, Partial<CrlConfig>][] = [
    ['nothing given keeps the defaults', {}, DEFAULT_CRL_CONFIG],
    ['expiry as written', { expiry: '1h30m' }, { expiry: '1h30m' }],
    ['auto_rebuild with a shorter grace', { auto_rebuild: true, auto_rebuild_grace_period: '1h' }, { auto_rebuild: true }],
    ['delta with auto_rebuild', { auto_rebuild: true, enable_delta: true, delta_rebuild_interval: '1m' }, { enable_delta: true, delta_rebuild_interval: '1m' }],
    ['ocsp_expiry 0 (no nextUpdate)', { ocsp_expiry: '0s' }, { ocsp_expiry: '0s' }],
  ];
  for (const [name, patch, want] of ok) {
    it(name, () => {
      const got = mergeCrlConfig(DEFAULT_CRL_CONFIG, patch);
      for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof CrlConfig], v, k);
    });
  }

  const bad: [Partial<CrlConfig>, RegExp][] = [
    [{ expiry: 'x' }, /^given expiry could not be decoded/],
    [{ expiry: '0s' }, /expiry must be greater than 0/],
    [{ ocsp_expiry: 'tomorrow' }, /^given ocsp_expiry could not be decoded/],
    [{ auto_rebuild: true, auto_rebuild_grace_period: '72h' }, /grace period \(72h\) must be strictly shorter than CRL expiry \(72h\)/],
    [{ auto_rebuild_grace_period: 'q' }, /^given auto_rebuild_grace_period could not be decoded/],
    [{ enable_delta: true }, /Delta CRLs cannot be enabled when auto rebuilding is disabled/],
    [{ auto_rebuild: true, enable_delta: true, delta_rebuild_interval: '80h' }, /delta rebuild window \(80h\) must be strictly shorter/],
  ];
  for (const [patch, re] of bad) {
    it(`refuses ${JSON.stringify(patch)}`, () => {
      const e = wardErrorOfSync(() => mergeCrlConfig(DEFAULT_CRL_CONFIG, patch));
      assert.equal(e.status, 400);
      assert.match(e.message, re);
    });
  }

  it('crlTimes converts to seconds', () => {
    assert.deepEqual(crlTimes(DEFAULT_CRL_CONFIG), { expiry: 72 * 3600, ocspExpiry: 12 * 3600, grace: 12 * 3600, deltaInterval: 900 });
  });
});
