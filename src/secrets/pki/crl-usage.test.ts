/**
 * Issuer usage on the CRL side, as Vault's buildCRLs: only an issuer with its key here and
 * the crl-signing usage signs a CRL. One that loses the usage keeps serving its last CRL
 * (never re-signed), and revocations of what it signed go on the default issuer's CRL;
 * one that never had the usage (a CA certificate without cRLSign) has no CRL at all.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { externalCa, pkiMount } from './test-mount.test-helper.js';

type M = ReturnType<typeof pkiMount>;

async function crlOf(m: M, ref: string): Promise<x509.X509Crl> {
  const r = await m.call('read', `issuer/${ref}/crl/der`);
  assert.equal(r?.raw?.status, 200);
  return new x509.X509Crl(new Uint8Array(Buffer.from(r!.raw!.body)));
}
const crlNumber = (c: x509.X509Crl): string => Buffer.from(c.getExtension('2.5.29.20')!.value).toString('hex');
const lists = (c: x509.X509Crl, colon: string): boolean => c.entries.some((e) => e.serialNumber.toLowerCase().replace(/^0+/, '') === colon.replace(/:/g, '').replace(/^0+/, ''));

describe('pki issuer usage and CRLs', () => {
  it('an issuer without crl-signing keeps its last CRL; its revocations go on the default issuer\'s CRL until the usage is back', async () => {
    const m = pkiMount();
    await m.data('update', 'root/generate/internal', { common_name: 'Default Root', key_type: 'ec', issuer_name: 'a' });
    await m.data('update', 'issuers/generate/root/internal', { common_name: 'Other Root', key_type: 'ec', issuer_name: 'b' });
    await m.call('update', 'roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', issuer_ref: 'b' });
    const leaf = await m.data('update', 'issue/web', { common_name: 'app.example.com', ttl: '1h' });
    const before = await crlOf(m, 'b');

    const patched = await m.data('patch', 'issuer/b', { usage: 'read-only,issuing-certificates,ocsp-signing' });
    assert.equal(patched.usage, 'issuing-certificates,ocsp-signing,read-only');
    assert.deepEqual(await m.data('read', 'crl/rotate'), { success: true }, 'rotation skips the issuer, as Vault');
    assert.equal(crlNumber(await crlOf(m, 'b')), crlNumber(before), 'not re-signed by rotation');

    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    const frozen = await crlOf(m, 'b');
    assert.equal(crlNumber(frozen), crlNumber(before), 'not re-signed by a revocation');
    assert.equal(lists(frozen, leaf.serial_number), false);
    assert.ok(lists(await crlOf(m, 'a'), leaf.serial_number), 'the default issuer lists it instead');

    await m.data('patch', 'issuer/b', { usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing' });
    await m.data('read', 'crl/rotate');
    assert.ok(lists(await crlOf(m, 'b'), leaf.serial_number), 'back on its own issuer\'s CRL');
    assert.equal(lists(await crlOf(m, 'a'), leaf.serial_number), false, 'and off the default\'s');
    await m.backend.cleanup?.();
  });

  it('a CA certificate without cRLSign imported with its key has no crl-signing usage and no CRL', async () => {
    const m = pkiMount();
    const ca = await externalCa('No CRL Root', false);
    const imported = await m.data('update', 'issuers/import/bundle', { pem_bundle: `${ca.cert}\n${ca.key}` });
    const id = (imported.imported_issuers as string[])[0]!;
    assert.equal((await m.data('read', `issuer/${id}`)).usage, 'issuing-certificates,ocsp-signing,read-only');
    assert.deepEqual(await m.data('read', 'crl/rotate'), { success: true });
    assert.equal(await m.storage.get(`crls/${id}`), null, 'nothing signed with a certificate that may not sign CRLs');
    for (const p of [`issuer/${id}/crl`, `issuer/${id}/crl/pem`, `issuer/${id}/crl/delta`]) {
      await rejectsWard(m.call('read', p), 400, `unable to find CRL for issuer: id:${id}/ref:${id}`);
    }
    await rejectsWard(m.call('read', 'crl'), 400, `unable to find CRL for issuer: id:${id}/ref:default`);
    await m.backend.cleanup?.();
  });

  it('an issuer imported without its key has no CRL (Vault\'s text, not a key lookup error)', async () => {
    const m = pkiMount();
    const ca = await externalCa('Keyless Root');
    const imported = await m.data('update', 'issuers/import/cert', { pem_bundle: ca.cert });
    const id = (imported.imported_issuers as string[])[0]!;
    await m.call('patch', `issuer/${id}`, { issuer_name: 'keyless' });
    await rejectsWard(m.call('read', 'issuer/keyless/crl/der'), 400, `unable to find CRL for issuer: id:${id}/ref:keyless`);
    await m.backend.cleanup?.();
  });
  it('deleting an issuer re-signs the default issuer\'s CRL with the deleted one\'s revocations at once, as Vault', async () => {
    const m = pkiMount();
    await m.data('update', 'root/generate/internal', { common_name: 'Staying Root', key_type: 'ec', issuer_name: 'a' });
    await m.data('update', 'issuers/generate/root/internal', { common_name: 'Leaving Root', key_type: 'ec', issuer_name: 'b' });
    await m.call('update', 'roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', issuer_ref: 'b' });
    const leaf = await m.data('update', 'issue/web', { common_name: 'app.example.com', ttl: '1h' });
    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    assert.equal(lists(await crlOf(m, 'a'), leaf.serial_number), false);
    await m.call('delete', 'issuer/b');
    assert.ok(lists(await crlOf(m, 'a'), leaf.serial_number), 'still revoked: on the default issuer\'s CRL');
    await m.backend.cleanup?.();
  });
  it('a revoked default issuer whose parent signs no CRL is never listed on its own CRL', async () => {
    const m = pkiMount();
    await m.data('update', 'root/generate/internal', { common_name: 'Parent Root', key_type: 'ec', issuer_name: 'parent' });
    const csr = await m.data('update', 'intermediate/generate/internal', { common_name: 'Child CA', key_type: 'ec' });
    const signed = await m.data('update', 'issuer/parent/sign-intermediate', { csr: csr.csr, common_name: 'Child CA' });
    const child = ((await m.data('update', 'intermediate/set-signed', { certificate: signed.certificate })).imported_issuers as string[])[0]!;
    await m.call('update', 'config/issuers', { default: child });
    await m.call('patch', 'issuer/parent', { usage: 'read-only,issuing-certificates,ocsp-signing' });
    await m.call('update', `issuer/${child}/revoke`);
    await m.data('read', 'crl/rotate');
    assert.equal(lists(await crlOf(m, child), signed.serial_number), false, 'an orphaned revocation, but of the CA signing this CRL');
    await m.backend.cleanup?.();
  });
  it('intermediate/set-signed of a certificate without cRLSign gives an issuer without crl-signing, and no CRL', async () => {
    const m = pkiMount();
    const parent = await externalCa('Outside Parent');
    const csr = new x509.Pkcs10CertificateRequest(String((await m.data('update', 'intermediate/generate/internal', { common_name: 'No CRL Child', key_type: 'ec' })).csr));
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const signingKey = await webcrypto.subtle.importKey('pkcs8', Buffer.from(parent.key.replace(/-----[^-]+-----|\s/g, ''), 'base64'), alg, false, ['sign']);
    const child = await x509.X509CertificateGenerator.create({
      serialNumber: '0c0d0e0f',
      subject: csr.subject,
      issuer: new x509.X509Certificate(parent.cert).subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3_600_000),
      publicKey: csr.publicKey,
      signingKey,
      signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    const set = await m.data('update', 'intermediate/set-signed', { certificate: child.toString('pem') });
    const id = (set.imported_issuers as string[])[0]!;
    assert.equal((await m.data('read', `issuer/${id}`)).usage, 'issuing-certificates,ocsp-signing,read-only');
    assert.equal(await m.storage.get(`crls/${id}`), null, 'no CRL signed under a certificate that may not sign one');
    await m.backend.cleanup?.();
  });
  it('revoking a certificate of a deleted issuer puts it on the default issuer\'s CRL at once', async () => {
    const m = pkiMount();
    await m.data('update', 'root/generate/internal', { common_name: 'Staying Root', key_type: 'ec', issuer_name: 'a' });
    await m.data('update', 'issuers/generate/root/internal', { common_name: 'Gone Root', key_type: 'ec', issuer_name: 'b' });
    await m.call('update', 'roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', issuer_ref: 'b' });
    const leaf = await m.data('update', 'issue/web', { common_name: 'app.example.com', ttl: '1h' });
    await m.call('delete', 'issuer/b');
    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    assert.ok(lists(await crlOf(m, 'a'), leaf.serial_number));
    await m.backend.cleanup?.();
  });
});
