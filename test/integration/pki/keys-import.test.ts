/**
 * PKI keys (LIST keys, key/:ref, keys/generate, keys/import, generate with an existing
 * key) and CA import through config/ca and issuers/import/*, over real sockets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';

describe('PKI keys and CA import', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
  const mount = async (path: string) => {
    assert.equal((await call('POST', `sys/mounts/${path}`, { type: 'pki' })).status, 204);
    assert.equal((await call('POST', `sys/mounts/${path}/tune`, { max_lease_ttl: '87600h' })).status, 204);
  };

  before(async () => {
    s = await startTestServer();
    for (const m of ['pki', 'pki-src', 'pki-int', 'pki-dst']) await mount(m);
  });
  after(() => s.close());

  describe('keys', () => {
    let k1 = '';
    let exportedPem = '';
    let exportedId = '';

    it('keys/generate/internal and /exported answer key_id, key_name, key_type (and the key once)', async () => {
      const g = await call('POST', 'pki/keys/generate/internal', { key_name: 'k1', key_type: 'ec' });
      assert.equal(g.status, 200, errText(g));
      assert.equal(g.body.data.key_name, 'k1');
      assert.equal(g.body.data.key_type, 'ec');
      assert.equal(g.body.data.private_key, undefined);
      k1 = g.body.data.key_id;
      const e = await call('POST', 'pki/keys/generate/exported', { key_type: 'ec', key_bits: 384 });
      assert.equal(e.status, 200, errText(e));
      exportedPem = e.body.data.private_key;
      exportedId = e.body.data.key_id;
      assert.equal(createPrivateKey(exportedPem).asymmetricKeyDetails?.namedCurve, 'secp384r1');
      const bad = await call('POST', 'pki/keys/generate/internal', { key_type: 'ec', key_bits: 123 });
      assert.equal(bad.status, 400);
      assert.match(errText(bad), /^Validation for key_type, key_bits failed: /);
      const dup = await call('POST', 'pki/keys/generate/internal', { key_name: 'k1', key_type: 'ec' });
      assert.equal(errText(dup), 'key name already in use');
    });

    it('LIST keys, key/:ref and config/keys (the first key is the default)', async () => {
      const l = await call('LIST', 'pki/keys');
      assert.equal(l.status, 200, errText(l));
      assert.deepEqual([...l.body.data.keys].sort(), [k1, exportedId].sort());
      assert.deepEqual(l.body.data.key_info[k1], { key_name: 'k1', is_default: true });
      assert.deepEqual(l.body.data.key_info[exportedId], { key_name: '', is_default: false });
      const read = (await call('GET', 'pki/key/k1')).body.data;
      assert.deepEqual({ ...read, subject_key_id: undefined }, { key_id: k1, key_name: 'k1', key_type: 'ec', subject_key_id: undefined });
      assert.match(read.subject_key_id, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
      assert.equal((await call('GET', `pki/key/${k1}`)).body.data.key_name, 'k1');
      assert.deepEqual((await call('GET', 'pki/config/keys')).body.data, { default: k1 });
      assert.equal((await call('GET', 'pki/key/default')).body.data.key_id, k1);
      const nope = await call('GET', 'pki/key/nope');
      assert.equal(nope.status, 400);
      assert.equal(errText(nope), 'unable to find PKI key for reference: nope');
      const set = await call('POST', 'pki/config/keys', { default: exportedId });
      assert.deepEqual(set.body.data, { default: exportedId });
      assert.equal((await call('POST', 'pki/config/keys', { default: k1 })).status, 200);
    });

    it('key/:ref renames, refusing a name in use', async () => {
      const r = await call('POST', 'pki/key/k1', { key_name: 'k1b' });
      assert.equal(r.status, 200, errText(r));
      assert.deepEqual(r.body.data, { key_id: k1, key_name: 'k1b', key_type: 'ec' });
      assert.equal((await call('POST', `pki/key/${exportedId}`, { key_name: 'k1b' })).status, 400);
      assert.equal(errText(await call('POST', `pki/key/${exportedId}`, { key_name: 'k1b' })), 'key name already in use');
      assert.equal(errText(await call('POST', `pki/key/${exportedId}`, { key_name: 'bad name' })), 'new key name outside of valid character limits');
      assert.equal((await call('DELETE', 'pki/key/never-existed')).status, 204, 'deleting an unknown key answers as if deleted, as Vault');
    });

    it('root/generate/existing uses key_ref; a key in use by an issuer cannot be deleted', async () => {
      const root = await call('POST', 'pki/root/generate/existing', { key_ref: 'k1b', common_name: 'Existing Key Root', issuer_name: 'ek' });
      assert.equal(root.status, 200, errText(root));
      assert.equal(root.body.data.key_id, k1);
      assert.equal(root.body.data.private_key, undefined);
      const ski = new x509.X509Certificate(root.body.data.certificate).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
      const keyRead = (await call('GET', 'pki/key/k1b')).body.data;
      assert.equal(keyRead.subject_key_id.replace(/:/g, ''), ski, 'subject_key_id is the SKI of certificates made with the key');
      const del = await call('DELETE', 'pki/key/k1b');
      assert.equal(del.status, 400);
      assert.equal(errText(del), `Failed to Delete Key.  Key in Use by Issuer: ${root.body.data.issuer_id}`);
      const csr = await call('POST', 'pki/intermediate/generate/existing', { key_ref: exportedId, common_name: 'Int' });
      assert.equal(csr.status, 200, errText(csr));
      assert.equal(csr.body.data.key_id, exportedId);
      const cross = await call('POST', 'pki/intermediate/cross-sign', { key_ref: 'k1b', common_name: 'Existing Key Root' });
      assert.equal(cross.status, 200, errText(cross));
      assert.equal(cross.body.data.key_id, k1, 'cross-sign makes a CSR for an existing key');
      const csrKey = Buffer.from(new x509.Pkcs10CertificateRequest(cross.body.data.csr).publicKey.rawData);
      assert.ok(csrKey.equals(Buffer.from(new x509.X509Certificate(root.body.data.certificate).publicKey.rawData)));
      const missing = await call('POST', 'pki/root/generate/existing', { key_ref: 'nope', common_name: 'x' });
      assert.equal(errText(missing), 'unable to find PKI key for reference: nope');
    });

    it('keys/import takes one key, idempotently; short or malformed input is a 400', async () => {
      const i = await call('POST', 'pki-dst/keys/import', { pem_bundle: exportedPem, key_name: 'imported' });
      assert.equal(i.status, 200, errText(i));
      assert.equal(i.body.data.key_type, 'ec');
      assert.equal(i.body.data.key_name, 'imported');
      const again = await call('POST', 'pki-dst/keys/import', { pem_bundle: exportedPem });
      assert.equal(again.body.data.key_id, i.body.data.key_id);
      assert.deepEqual(again.body.warnings, ['Key already imported, use key/ endpoint to update name.']);
      const short = await call('POST', 'pki-dst/keys/import', { pem_bundle: '/tmp/key.pem' });
      assert.equal(errText(short), 'provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file');
      const two = await call('POST', 'pki-dst/keys/import', { pem_bundle: `${exportedPem}\n${exportedPem}` });
      assert.equal(errText(two), 'only a single key can be present within the pem_bundle for importing');
      const junk = await call('POST', 'pki-dst/keys/import', { pem_bundle: `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(80)}\n-----END PRIVATE KEY-----` });
      assert.equal(junk.status, 400);
      assert.doesNotMatch(errText(junk), /AAAA/, 'the key material is not echoed');
      const delDefault = await call('DELETE', 'pki-dst/key/imported');
      assert.equal(delDefault.status, 200, 'the first key of a mount is its default key: deleting it warns');
      assert.match(delDefault.body.warnings[0], /^Deleted key .* \(via key_ref imported\); this was configured as the default key\./);
      assert.deepEqual((await call('GET', 'pki-dst/config/keys')).body.data, { default: '' });
      assert.equal((await call('DELETE', `pki/key/${exportedId}`)).status, 204);
    });
  });

  describe('config/ca', () => {
    let rootCert = '';
    let intCert = '';
    let intKey = '';
    let leafCert = '';

    before(async () => {
      const root = await call('POST', 'pki-src/root/generate/internal', { common_name: 'Import Root', key_type: 'ec', ttl: '87600h' });
      assert.equal(root.status, 200, errText(root));
      rootCert = root.body.data.certificate;
      const gen = await call('POST', 'pki-int/intermediate/generate/exported', { common_name: 'Import Int', key_type: 'ec' });
      assert.equal(gen.status, 200, errText(gen));
      intKey = gen.body.data.private_key;
      const signed = await call('POST', 'pki-src/root/sign-intermediate', { csr: gen.body.data.csr, ttl: '8760h' });
      assert.equal(signed.status, 200, errText(signed));
      intCert = signed.body.data.certificate;
      assert.ok([200, 204].includes((await call('POST', 'pki-src/roles/web', { allow_any_name: true, key_type: 'ec' })).status));
      leafCert = (await call('POST', 'pki-src/issue/web', { common_name: 'leaf.example.com', ttl: '1h' })).body.data.certificate;
    });

    let intId = '';
    let rootId = '';
    it('imports certificates and keys, answering imported_issuers, imported_keys and mapping', async () => {
      const r = await call('POST', 'pki-dst/config/ca', { pem_bundle: [intCert, intKey, rootCert].join('\n') });
      assert.equal(r.status, 200, errText(r));
      const d = r.body.data;
      assert.equal(d.imported_issuers.length, 2);
      assert.equal(d.imported_keys.length, 1);
      const byCert = async (id: string) => (await call('GET', `pki-dst/issuer/${id}`)).body.data;
      for (const id of d.imported_issuers as string[]) {
        const i = await byCert(id);
        if (i.certificate.trim() === intCert.trim()) intId = id;
        else rootId = id;
      }
      assert.ok(intId && rootId);
      assert.deepEqual(d.mapping, { [intId]: d.imported_keys[0], [rootId]: '' });
      assert.equal((await call('GET', 'pki-dst/config/issuers')).body.data.default, intId, 'the issuer with a key becomes the default');
      assert.deepEqual((await byCert(intId)).ca_chain.map((c: string) => c.trim()), [intCert.trim(), rootCert.trim()]);
      assert.deepEqual((await byCert(rootId)).ca_chain.map((c: string) => c.trim()), [rootCert.trim()]);
    });

    it('importing the same bundle again is idempotent', async () => {
      const r = await call('POST', 'pki-dst/config/ca', { pem_bundle: [rootCert, intKey, intCert].join('\n') });
      assert.equal(r.status, 200, errText(r));
      assert.equal(r.body.data.imported_issuers, null);
      assert.equal(r.body.data.imported_keys, null);
      assert.deepEqual([...r.body.data.existing_issuers].sort(), [intId, rootId].sort());
      assert.equal(r.body.data.existing_keys.length, 1);
      assert.equal((await call('LIST', 'pki-dst/issuers')).body.data.keys.length, 2);
    });

    it('manual_chain replaces the computed ca_chain; its first entry must be the issuer itself', async () => {
      const selfOnly = await call('POST', `pki-dst/issuer/${intId}`, { manual_chain: 'self' });
      assert.equal(selfOnly.status, 200, errText(selfOnly));
      assert.deepEqual(selfOnly.body.data.manual_chain, [intId]);
      assert.deepEqual(selfOnly.body.data.ca_chain.map((c: string) => c.trim()), [intCert.trim()]);
      const wrong = await call('POST', `pki-dst/issuer/${intId}`, { manual_chain: [rootId, intId] });
      assert.equal(wrong.status, 400);
      assert.equal(errText(wrong), `expected first cert in chain to be a self-reference, but was: ${rootId}/${rootId}`);
      const unknown = await call('POST', `pki-dst/issuer/${intId}`, { manual_chain: ['self', 'nope'] });
      assert.equal(errText(unknown), 'unable to find PKI issuer for reference: nope');
      const full = await call('POST', `pki-dst/issuer/${intId}`, { manual_chain: ['self', rootId] });
      assert.deepEqual(full.body.data.ca_chain.map((c: string) => c.trim()), [intCert.trim(), rootCert.trim()]);
      const cleared = await call('POST', `pki-dst/issuer/${intId}`, {});
      assert.equal(cleared.body.data.manual_chain, null);
      assert.equal(cleared.body.data.ca_chain.length, 2);
    });

    it('the raw ca_chain of an imported default issuer includes the parent found in the mount', async () => {
      const r = await fetch(`${s.url}/v1/pki-dst/ca_chain`);
      assert.equal(r.status, 200);
      const pems = (await r.text()).match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
      assert.deepEqual(pems.map((p) => p.trim()), [intCert.trim(), rootCert.trim()]);
    });

    it('the imported intermediate issues certificates that chain to it', async () => {
      assert.ok([200, 204].includes((await call('POST', 'pki-dst/roles/web', { allow_any_name: true, key_type: 'ec' })).status));
      const r = await call('POST', 'pki-dst/issue/web', { common_name: 'svc.example.com', ttl: '1h' });
      assert.equal(r.status, 200, errText(r));
      const leaf = new X509Certificate(r.body.data.certificate);
      const int = new X509Certificate(intCert);
      assert.ok(leaf.checkIssued(int) && leaf.verify(int.publicKey));
      assert.deepEqual(r.body.data.ca_chain.map((c: string) => c.trim()), [intCert.trim(), rootCert.trim()]);
    });

    it('bad bundles are refused with Vault\'s texts', async () => {
      const short = await call('POST', 'pki-dst/config/ca', { pem_bundle: 'ca.pem' });
      assert.equal(short.status, 400);
      assert.equal(errText(short), 'provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file');
      const leaf = await call('POST', 'pki-dst/config/ca', { pem_bundle: leafCert });
      assert.equal(leaf.status, 400);
      assert.equal(errText(leaf), 'Error parsing issuer 0: Refusing to import non-CA certificate');
      const junk = await call('POST', 'pki-dst/config/ca', { pem_bundle: `-----BEGIN CERTIFICATE-----\n${'QUJD'.repeat(30)}\n-----END CERTIFICATE-----` });
      assert.equal(junk.status, 400);
      assert.match(errText(junk), /^Error parsing issuer 0: /);
      const noPem = await call('POST', 'pki-dst/config/ca', { pem_bundle: 'x'.repeat(100) });
      assert.equal(errText(noPem), 'provided PEM block contained no data');
      const keyOnCertPath = await call('POST', 'pki-dst/issuers/import/cert', { pem_bundle: [intCert, intKey].join('\n') });
      assert.equal(errText(keyOnCertPath), 'private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle');
      const certOnly = await call('POST', 'pki-dst/issuers/import/cert', { pem_bundle: rootCert });
      assert.equal(certOnly.status, 200, errText(certOnly));
      assert.deepEqual(certOnly.body.data.existing_issuers, [rootId]);
    });
  });
});
