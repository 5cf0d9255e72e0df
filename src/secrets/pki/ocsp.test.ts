import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ocspRequest, readOcspResponse } from '../../auth/cert/ocsp.js';
import { parseCert, type ParsedCert } from '../../auth/cert/parsed-cert.js';
import { children, integerHex, nullDer, octets, oid, parseDer, seq } from '../../lib/der.js';
import { pkiMount } from './test-mount.test-helper.js';

const pemDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const cert = (pem: string): ParsedCert => parseCert(pemDer(pem));
const UNAUTHORIZED = Buffer.from('30030a0106', 'hex');
const MALFORMED = Buffer.from('30030a0101', 'hex');

async function ask(m: ReturnType<typeof pkiMount>, req: Buffer) {
  const r = await m.call('update', 'ocsp', {}, req);
  assert.ok(r?.raw, 'a raw OCSP answer');
  return { status: r.raw.status, type: r.raw.contentType, body: Buffer.from(r.raw.body) };
}

/** A request naming `leaf` with SHA-256 hashes in its CertID (openssl's -sha256 flag). */
function sha256Request(leaf: ParsedCert, issuer: ParsedCert): Buffer {
  const tbs = (c: ParsedCert) => {
    const t = children(children(parseDer(c.der).value)[0]!.value);
    return t[0]!.tag === 0xa0 ? t.slice(1) : t;
  };
  const nameHash = createHash('sha256').update(tbs(leaf)[2]!.raw).digest();
  const keyHash = createHash('sha256').update(children(tbs(issuer)[5]!.value)[1]!.value.subarray(1)).digest();
  const serial = tbs(leaf)[0]!.value.toString('hex');
  return seq(seq(seq(seq(seq(seq(oid('2.16.840.1.101.3.4.2.1'), nullDer()), octets(nameHash), octets(keyHash), integerHex(serial))))));
}

describe('pki OCSP responder', () => {
  for (const keyType of ['ec', 'rsa', 'ed25519']) {
    it(`answers good, then revoked, signed by the ${keyType} issuer`, async () => {
      const m = pkiMount();
      const root = await m.withRoot(keyType);
      const leaf = await m.issue();
      const [l, i] = [cert(leaf.certificate), cert(root.certificate)];
      const good = await ask(m, ocspRequest(l, i));
      assert.equal(good.status, 200);
      assert.equal(good.type, 'application/ocsp-response');
      assert.equal(readOcspResponse(good.body, l, i, new Date()), 'good');
      await m.call('update', 'revoke', { serial_number: leaf.serial_number });
      assert.equal(readOcspResponse((await ask(m, ocspRequest(l, i))).body, l, i, new Date()), 'revoked');
    });
  }

  it('answers a SHA-256 CertID and the GET form (base64 in the path)', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    const leaf = await m.issue();
    const [l, i] = [cert(leaf.certificate), cert(root.certificate)];
    const r = await ask(m, sha256Request(l, i));
    assert.equal(r.status, 200);
    const single = children(children(children(parseDer(children(children(children(parseDer(r.body).value)[1]!.value)[0]!.value)[1]!.value).value)[0]!.value)[2]!.value)[0]!;
    assert.equal(children(children(single.value)[0]!.value)[1]!.value.length, 32, 'the answer keeps the SHA-256 CertID');
    assert.equal(children(single.value)[1]!.tag, 0x80, 'good');

    const get = await m.call('read', `ocsp/${ocspRequest(l, i).toString('base64')}`);
    assert.equal(get?.raw?.status, 200);
    assert.equal(readOcspResponse(Buffer.from(get!.raw!.body), l, i, new Date()), 'good');
  });

  it('says unknown for a serial it never issued, unauthorized for a foreign issuer, malformed for junk', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    const leaf = await m.issue();
    const [l, i] = [cert(leaf.certificate), cert(root.certificate)];
    await m.storage.delete(`certs/${leaf.serial_number.replace(/:/g, '-')}`);
    assert.equal(readOcspResponse((await ask(m, ocspRequest(l, i))).body, l, i, new Date()), 'unknown');

    const other = pkiMount();
    const otherRoot = await other.withRoot();
    const otherLeaf = await other.issue();
    const foreign = await ask(m, ocspRequest(cert(otherLeaf.certificate), cert(otherRoot.certificate)));
    assert.deepEqual([foreign.status, foreign.body], [401, UNAUTHORIZED]);
    // Holding the foreign CA's certificate without its key (an import) still cannot sign an answer.
    const rec = JSON.parse((await m.storage.get(`config/issuer/${root.issuer_id}`))!.toString());
    await m.storage.put('config/issuer/imported-1', Buffer.from(JSON.stringify({ ...rec, id: 'imported-1', name: 'imported', keyId: '', certificate: otherRoot.certificate })));
    const keyless = await ask(m, ocspRequest(cert(otherLeaf.certificate), cert(otherRoot.certificate)));
    assert.deepEqual([keyless.status, keyless.body], [401, UNAUTHORIZED]);

    for (const junk of [Buffer.from('hello'), Buffer.alloc(0), seq(seq())]) {
      const bad = await ask(m, junk);
      assert.deepEqual([bad.status, bad.body], [400, MALFORMED], junk.toString('hex'));
    }
    const badGet = await m.call('read', 'ocsp/!!notbase64');
    assert.deepEqual([badGet?.raw?.status, Buffer.from(badGet!.raw!.body)], [400, MALFORMED]);
  });

  it('answers unauthorized while ocsp_disable is set; ocsp_expiry sets nextUpdate', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    const leaf = await m.issue();
    const [l, i] = [cert(leaf.certificate), cert(root.certificate)];
    await m.call('update', 'config/crl', { ocsp_expiry: '1h' });
    const now = new Date();
    assert.equal(readOcspResponse((await ask(m, ocspRequest(l, i))).body, l, i, new Date(now.getTime() + 59 * 60_000)), 'good');
    assert.equal(readOcspResponse((await ask(m, ocspRequest(l, i))).body, l, i, new Date(now.getTime() + 62 * 60_000)), null, 'stale after ocsp_expiry');
    await m.call('update', 'config/crl', { ocsp_disable: true });
    const off = await ask(m, ocspRequest(l, i));
    assert.deepEqual([off.status, off.body], [401, UNAUTHORIZED]);
  });
  it('answers unauthorized for an issuer without ocsp-signing, good or revoked alike (Vault, RFC 5019 §2.2.3)', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    const leaf = await m.issue();
    const [l, i] = [cert(leaf.certificate), cert(root.certificate)];
    await m.call('patch', 'issuer/root', { usage: 'read-only,issuing-certificates,crl-signing' });
    const good = await ask(m, ocspRequest(l, i));
    assert.deepEqual([good.status, good.type, good.body], [401, 'application/ocsp-response', UNAUTHORIZED]);
    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    const revoked = await ask(m, ocspRequest(l, i));
    assert.deepEqual([revoked.status, revoked.body], [401, UNAUTHORIZED]);
    await m.call('patch', 'issuer/root', { usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing' });
    assert.equal(readOcspResponse((await ask(m, ocspRequest(l, i))).body, l, i, new Date()), 'revoked', 'answered again once the usage is back');
  });

  it('when one key and subject back two issuers, the one allowed to sign OCSP answers for both', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    const leaf = await m.issue();
    // A rotation on the same key and subject: the CertID names both issuers.
    const rotated = await m.data('update', 'root/rotate/existing', { key_ref: root.key_id, common_name: 'Ward Root', ttl: '87600h', issuer_name: 'rotated' });
    await m.call('patch', 'issuer/root', { usage: 'read-only,issuing-certificates,crl-signing' });
    const [l, i] = [cert(leaf.certificate), cert(root.certificate)];
    const r = await ask(m, ocspRequest(l, i));
    assert.equal(r.status, 200);
    assert.equal(readOcspResponse(r.body, l, cert(rotated.certificate), new Date()), 'good', 'the rotated issuer vouches for what the old one signed');
    await m.call('patch', 'issuer/rotated', { usage: 'read-only,issuing-certificates,crl-signing' });
    assert.deepEqual((await ask(m, ocspRequest(l, i))).body, UNAUTHORIZED, 'neither may sign now');
  });
  it('answers the first CertID of a request naming several, as Vault (Go\'s ocsp.ParseRequest reads only that one)', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    const [first, second] = [await m.issue('one.example.com'), await m.issue('two.example.com')];
    const i = cert(root.certificate);
    const requestOf = (leaf: Record<string, string>) => children(children(children(parseDer(ocspRequest(cert(String(leaf.certificate)), i)).value)[0]!.value)[0]!.value)[0]!.raw;
    const both = seq(seq(seq(requestOf(first), requestOf(second))));
    const r = await ask(m, both);
    assert.equal(r.status, 200);
    const singles = children(children(children(parseDer(children(children(children(parseDer(r.body).value)[1]!.value)[0]!.value)[1]!.value).value)[0]!.value)[2]!.value);
    assert.equal(singles.length, 1, 'one SingleResponse');
    const serial = children(children(singles[0]!.value)[0]!.value)[3]!.value.toString('hex').replace(/^0+/, '');
    assert.equal(serial, first.serial_number.replace(/:/g, '').replace(/^0+/, ''), 'for the first CertID');
    assert.equal(readOcspResponse(r.body, cert(first.certificate), i, new Date()), 'good');
  });
});
