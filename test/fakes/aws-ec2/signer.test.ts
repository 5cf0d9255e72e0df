/** Ward's PKCS#7 reader against documents openssl signed as AWS does (RSA and DSA keys). */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { parsePkcs7, Pkcs7Error, verifyRsaSignature, verifySignedDocument } from '../../../src/auth/aws/pkcs7.js';
import { OPENSSL, skipUnless } from '../../helpers/requirement.js';
import { instanceDocument, startFakeInstanceSigner } from './index.js';

test('PKCS#7 identity documents verify against the signing certificate only', { skip: skipUnless(OPENSSL) }, (t) => {
  const aws = startFakeInstanceSigner('rsa');
  t.after(() => aws.close());
  const other = startFakeInstanceSigner('rsa');
  t.after(() => other.close());
  const certs = [new X509Certificate(aws.certPem)];
  const doc = instanceDocument();
  assert.match(aws.pkcs7(doc), /^MIAGCSqGSIb3DQEHAqCA/, 'BER with indefinite lengths, as AWS serves it');
  for (const o of [{}, { der: true }, { noAttributes: true }, { md: 'sha1' as const }, { der: true, noAttributes: true }]) {
    const parsed = parsePkcs7(aws.pkcs7(doc, o));
    assert.deepEqual(JSON.parse(parsed.content.toString()), doc, JSON.stringify(o));
    assert.equal(verifySignedDocument(parsed, certs), true, JSON.stringify(o));
    assert.equal(verifySignedDocument(parsed, [new X509Certificate(other.certPem)]), false);
  }
  // Line breaks as the metadata service serves it are fine.
  const wrapped = aws.pkcs7(doc).replace(/(.{64})/g, '$1\n');
  assert.equal(verifySignedDocument(parsePkcs7(wrapped), certs), true);
  // Another document under the same signature: the digest no longer matches.
  const parsed = parsePkcs7(aws.pkcs7(doc));
  assert.equal(verifySignedDocument({ ...parsed, content: Buffer.from(JSON.stringify({ ...doc, accountId: '999999999999' })) }, certs), false);
  const bare = parsePkcs7(aws.pkcs7(doc, { noAttributes: true }));
  assert.equal(verifySignedDocument({ ...bare, content: Buffer.from('{}') }, certs), false);
  for (const bad of ['', 'bm90IGRlcg==', Buffer.from([0x30, 0x03, 0x06, 0x01, 0x00]).toString('base64')]) {
    assert.throws(() => parsePkcs7(bad), Pkcs7Error, bad);
  }
  // The identity + signature form.
  const s = aws.signed(doc);
  assert.equal(verifyRsaSignature(Buffer.from(s.identity, 'base64'), Buffer.from(s.signature, 'base64'), certs), true);
  assert.equal(verifyRsaSignature(Buffer.from('{"x":1}'), Buffer.from(s.signature, 'base64'), certs), false);
});

test('a DSA-signed PKCS#7 (the classic pkcs7 document) verifies with its certificate', { skip: skipUnless(OPENSSL) }, (t) => {
  const aws = startFakeInstanceSigner('dsa');
  t.after(() => aws.close());
  // AWS's classic pkcs7 document is DSA with SHA-1, which OpenSSL 3 still verifies.
  for (const md of ['sha1', 'sha256'] as const) {
    const parsed = parsePkcs7(aws.pkcs7(instanceDocument(), { md }));
    assert.equal(parsed.hash, md);
    assert.equal(verifySignedDocument(parsed, [new X509Certificate(aws.certPem)]), true, md);
  }
});
