import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wardErrorOfSync } from '../../../test/helpers/errors.js';
import { assertLongEnough, splitBundle } from './import.js';
import { extKeyUsages } from './path-verbatim.js';

const block = (label: string, body = 'QUJD') => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;

describe('pki import parsing', () => {
  it('splitBundle sorts PEM blocks as Vault does: certificates, keys, and ignored CRLs and EC parameters', () => {
    const text = ['junk text from openssl x509 -text', block('CERTIFICATE'), block('EC PARAMETERS'), block('EC PRIVATE KEY'), block('X509 CRL'), block('X509 CERTIFICATE'), block('PRIVATE KEY')].join('\n');
    const r = splitBundle(text);
    assert.equal(r.certs.length, 2);
    assert.equal(r.keys.length, 2);
    assert.match(r.keys[0] ?? '', /EC PRIVATE KEY/);
    assert.equal(wardErrorOfSync(() => splitBundle('no pem here at all')).messages[0], 'provided PEM block contained no data');
  });

  it('assertLongEnough says a path was probably passed instead of the contents', () => {
    assert.doesNotThrow(() => assertLongEnough('x'.repeat(75), 75));
    assert.match(wardErrorOfSync(() => assertLongEnough('/etc/ca.pem', 75)).messages[0] ?? '', /perhaps a path was passed/);
  });

  it('extKeyUsages maps Go\'s names (any case) and OIDs, refusing others', () => {
    assert.deepEqual(extKeyUsages(['ServerAuth', 'clientauth'], ['1.2.3.4']), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.2.3.4']);
    assert.deepEqual(extKeyUsages([], []), []);
    assert.equal(wardErrorOfSync(() => extKeyUsages(['Teleport'], [])).messages[0], 'unknown ext_key_usage value: Teleport');
    assert.equal(wardErrorOfSync(() => extKeyUsages([], ['1.x'])).messages[0], 'invalid ext_key_usage_oids value: 1.x');
  });
});
