import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { children, integerHex, nullDer, octets, oid, oidText, parseDer, seq, tlv } from '../../lib/der.js';
import { MalformedOcspRequest, NONCE, parseOcspRequest, signatureAlgorithm, successfulResponse } from './ocsp-der.js';

const h20 = Buffer.alloc(20, 1);
const certId = (hashOid = '1.3.14.3.2.26', serial = '0a0b') => seq(seq(oid(hashOid), nullDer()), octets(h20), octets(h20), integerHex(serial));
const request = (...tbs: Buffer[]) => seq(seq(...tbs));
const nonceExt = seq(oid(NONCE), octets(octets(Buffer.from('0123456789abcdef', 'hex'))));

describe('parseOcspRequest', () => {
  it('reads CertIDs, skipping version and requestorName, and picks out the nonce', () => {
    const r = parseOcspRequest(request(tlv(0xa0, integerHex('00')), tlv(0xa1, Buffer.from([0x82, 0x01, 0x61])), seq(seq(certId()), seq(certId('2.16.840.1.101.3.4.2.1', '00ff'))), tlv(0xa2, seq(nonceExt))));
    assert.deepEqual(
      r.certIds.map((c) => [c.hash, c.serialHex]),
      [
        ['sha1', '0a0b'],
        ['sha256', 'ff'],
      ],
    );
    assert.deepEqual(r.nonce, nonceExt);
    assert.deepEqual(r.certIds[0]!.raw, certId());
  });

  it('has no nonce when the request carries none', () => {
    assert.equal(parseOcspRequest(request(seq(seq(certId())))).nonce, null);
  });

  const malformed: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['not DER', Buffer.from('hello')],
    ['not a SEQUENCE', integerHex('01')],
    ['no TBSRequest', seq()],
    ['empty requestList', request(seq())],
    ['Request without CertID', request(seq(seq()))],
    ['unknown hash', request(seq(seq(certId('1.2.3.4'))))],
    ['serial not an INTEGER', request(seq(seq(seq(seq(oid('1.3.14.3.2.26')), octets(h20), octets(h20), octets(h20)))))],
    ['trailing bytes', Buffer.concat([request(seq(seq(certId()))), Buffer.from([0])])],
  ];
  for (const [name, der] of malformed) {
    it(`refuses ${name}`, () => assert.throws(() => parseOcspRequest(der), MalformedOcspRequest));
  }
});

describe('OCSP response encoding', () => {
  it('picks the signature algorithm from the key', () => {
    const t: [string, number, string, string | null][] = [
      ['rsa', 2048, '06092a864886f70d01010b', 'sha256'],
      ['ec', 256, '06082a8648ce3d040302', 'sha256'],
      ['ec', 384, '06082a8648ce3d040303', 'sha384'],
      ['ed25519', 256, '06032b6570', null],
    ];
    for (const [type, bits, oidHex, digest] of t) {
      const a = signatureAlgorithm(type, bits);
      assert.ok(a.der.toString('hex').includes(oidHex), `${type}/${bits}`);
      assert.equal(a.digest, digest);
    }
  });

  it('wraps a BasicOCSPResponse as successful with the id-pkix-ocsp-basic type', () => {
    const der = successfulResponse(seq(), seq(oid('1.3.101.112')), Buffer.from([1, 2]));
    const [status, bytes] = children(parseDer(der).value);
    assert.deepEqual([status?.tag, status?.value], [0x0a, Buffer.from([0])], 'successful');
    assert.equal(bytes?.tag, 0xa0);
    const [type, basic] = children(children(bytes.value)[0]!.value);
    assert.equal(oidText(type!.value), '1.3.6.1.5.5.7.48.1.1');
    const [, , sig] = children(parseDer(basic!.value).value);
    assert.deepEqual(sig!.value, Buffer.from([0, 1, 2]), 'BIT STRING with no unused bits');
  });
});
