/**
 * Issuer usage on the revocation side over real sockets, as Vault: an issuer without
 * crl-signing keeps serving its last CRL (rotation skips it, its revocations go on the
 * default issuer's CRL); one without ocsp-signing gets OCSP's unauthorized, seen by the
 * openssl CLI too; an issuer with no CRL answers Vault's error rather than a CRL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';
import { OPENSSL, skipUnless } from '../../helpers/requirement.js';
import { ocspRequest, readOcspResponse } from '../../../src/auth/cert/ocsp.js';
import { parseCert } from '../../../src/auth/cert/parsed-cert.js';
import { externalCa } from '../../../src/secrets/pki/test-mount.test-helper.js';

const pemDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const UNAUTHORIZED = Buffer.from('30030a0106', 'hex');
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

describe('PKI issuer usage over HTTP', () => {
  let s: TestServer;
  let dir = '';
  let rootB: any; // any: response data asserted field by field
  let leaf: any; // any: as above
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
  const usage = async (ref: string, value: string) => {
    const r = await call('PATCH', `pki/issuer/${ref}`, { usage: value }, MERGE);
    assert.equal(r.status, 200, errText(r));
  };
  /** The issuer's CRL fetched without a token, as a CDP URL would be. */
  const crl = async (ref: string) => {
    const r = await fetch(`${s.url}/v1/pki/issuer/${ref}/crl/der`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/pkix-crl');
    return new x509.X509Crl(new Uint8Array(await r.arrayBuffer()));
  };
  const crlNumber = (c: x509.X509Crl) => Buffer.from(c.getExtension('2.5.29.20')!.value).toString('hex');
  const lists = (c: x509.X509Crl, colon: string) => c.entries.some((e) => e.serialNumber.toLowerCase().replace(/^0+/, '') === colon.replace(/:/g, '').replace(/^0+/, ''));

  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'ward-pki-usage-'));
    assert.equal((await call('POST', 'sys/mounts/pki', { type: 'pki' })).status, 204);
    assert.equal((await call('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '87600h' })).status, 204);
    const a = await call('POST', 'pki/root/generate/internal', { common_name: 'Usage Root A', ttl: '8760h', issuer_name: 'a', key_type: 'ec' });
    assert.equal(a.status, 200, errText(a));
    const b = await call('POST', 'pki/issuers/generate/root/internal', { common_name: 'Usage Root B', ttl: '8760h', issuer_name: 'b', key_type: 'ec' });
    assert.equal(b.status, 200, errText(b));
    rootB = b.body.data;
    assert.equal((await call('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', issuer_ref: 'b' })).status, 200);
    const l = await call('POST', 'pki/issue/web', { common_name: 'app.example.com', ttl: '1h' });
    assert.equal(l.status, 200, errText(l));
    leaf = l.body.data;
    writeFileSync(join(dir, 'b.pem'), `${rootB.certificate}\n`);
    writeFileSync(join(dir, 'leaf.pem'), `${leaf.certificate}\n`);
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without crl-signing, an issuer\'s CRL is kept as it was and its revocation shows on the default issuer\'s CRL', async () => {
    const before = await crl('b');
    await usage('b', 'read-only,issuing-certificates,ocsp-signing');
    const rotate = await call('GET', 'pki/crl/rotate');
    assert.equal(rotate.status, 200, errText(rotate));
    assert.deepEqual(rotate.body.data, { success: true });
    assert.equal((await call('POST', 'pki/revoke', { serial_number: leaf.serial_number })).status, 200);
    const kept = await crl('b');
    assert.equal(crlNumber(kept), crlNumber(before), 'neither rotation nor revocation re-signed it');
    assert.equal(lists(kept, leaf.serial_number), false);
    assert.ok(lists(await crl('a'), leaf.serial_number), 'the default issuer\'s CRL lists the revocation');

    await usage('b', 'read-only,issuing-certificates,crl-signing,ocsp-signing');
    assert.equal((await call('GET', 'pki/crl/rotate')).status, 200);
    assert.ok(lists(await crl('b'), leaf.serial_number), 'its own CRL lists it once it may sign again');
  });

  it('without ocsp-signing, OCSP answers unauthorized (POST and GET); with it, the revocation', async () => {
    const req = ocspRequest(parseCert(pemDer(leaf.certificate)), parseCert(pemDer(rootB.certificate)));
    await usage('b', 'read-only,issuing-certificates,crl-signing');
    const post = await fetch(`${s.url}/v1/pki/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: req });
    assert.equal(post.status, 401);
    assert.equal(post.headers.get('content-type'), 'application/ocsp-response');
    assert.deepEqual(Buffer.from(await post.arrayBuffer()), UNAUTHORIZED);
    const get = await fetch(`${s.url}/v1/pki/ocsp/${req.toString('base64')}`);
    assert.deepEqual([get.status, Buffer.from(await get.arrayBuffer())], [401, UNAUTHORIZED]);

    await usage('b', 'read-only,issuing-certificates,crl-signing,ocsp-signing');
    const ok = await fetch(`${s.url}/v1/pki/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: req });
    assert.equal(ok.status, 200);
    assert.equal(readOcspResponse(Buffer.from(await ok.arrayBuffer()), parseCert(pemDer(leaf.certificate)), parseCert(pemDer(rootB.certificate)), new Date()), 'revoked');
  });

  it('openssl ocsp gets no answer it could trust from an issuer without ocsp-signing', { skip: skipUnless(OPENSSL) }, async () => {
    await usage('b', 'read-only,issuing-certificates,crl-signing');
    try {
      const run = promisify(execFile);
      // A 401 (Vault's status for this answer) makes openssl give up at the HTTP layer: it
      // reports the query failed instead of trusting anything.
      const out = await run('openssl', ['ocsp', '-issuer', join(dir, 'b.pem'), '-cert', join(dir, 'leaf.pem'), '-url', `${s.url}/v1/pki/ocsp`, '-no_nonce'], { timeout: 30_000 }).then(
        (r) => `${r.stdout}${r.stderr}`,
        (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
      );
      assert.match(out, /Error querying OCSP responder/);
      assert.match(out, /401/);
    } finally {
      await usage('b', 'read-only,issuing-certificates,crl-signing,ocsp-signing');
    }
  });

  it('an issuer with no CRL (no key here, or no cRLSign) answers Vault\'s 400 instead of a CRL, without a token', async () => {
    const keyless = await externalCa('Usage Keyless');
    const imported = await call('POST', 'pki/issuers/import/cert', { pem_bundle: keyless.cert });
    assert.equal(imported.status, 200, errText(imported));
    const id = imported.body.data.imported_issuers[0];
    const noCrlSign = await externalCa('Usage No CRLSign', false);
    const withKey = await call('POST', 'pki/issuers/import/bundle', { pem_bundle: `${noCrlSign.cert}\n${noCrlSign.key}` });
    assert.equal(withKey.status, 200, errText(withKey));
    const id2 = withKey.body.data.imported_issuers[0];
    assert.equal((await call('GET', `pki/issuer/${id2}`)).body.data.usage, 'issuing-certificates,ocsp-signing,read-only');
    for (const ref of [id, id2]) {
      for (const form of ['crl', 'crl/pem', 'crl/der']) {
        const r = await api(s, 'GET', `pki/issuer/${ref}/${form}`);
        assert.equal(r.status, 400, `${ref}/${form}`);
        assert.deepEqual(r.body, { errors: [`unable to find CRL for issuer: id:${ref}/ref:${ref}`] });
      }
    }
  });
});
