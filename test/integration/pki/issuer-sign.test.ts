/**
 * Signing with a named issuer over real sockets: issuer/:ref/issue|sign|sign-intermediate|
 * sign-verbatim|sign-self-issued|revoke and the default-issuer forms sign-verbatim and
 * root/sign-self-issued. Every certificate is checked to chain to the issuer it names.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function makeCsr(name: string, dns: string[]): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: EC,
    extensions: [new x509.SubjectAlternativeNameExtension(dns.map((value) => ({ type: 'dns' as const, value })))],
  });
  return csr.toString('pem');
}

/** A self-signed (self-issued) CA made outside Ward, as an operator rotating a root would bring. */
async function selfIssuedCa(cn: string): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b2c3d',
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return cert.toString('pem');
}

const signedBy = (pem: string, caPem: string): boolean => {
  const c = new X509Certificate(pem);
  const ca = new X509Certificate(caPem);
  return c.checkIssued(ca) && c.verify(ca.publicKey);
};

describe('PKI signing with a named issuer', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
  let certA = '';
  let certB = '';

  before(async () => {
    s = await startTestServer();
    assert.equal((await call('POST', 'sys/mounts/pki', { type: 'pki' })).status, 204);
    assert.equal((await call('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '87600h' })).status, 204);
    const a = await call('POST', 'pki/root/generate/internal', { common_name: 'Root A', key_type: 'ec', issuer_name: 'root-a', ttl: '8760h' });
    const b = await call('POST', 'pki/root/generate/internal', { common_name: 'Root B', key_type: 'ec', issuer_name: 'root-b', ttl: '8760h' });
    assert.equal(b.status, 200, errText(b));
    certA = a.body.data.certificate;
    certB = b.body.data.certificate;
    assert.ok([200, 204].includes((await call('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '720h' })).status));
  });
  after(() => s.close());

  it('issuer/:ref/issue/:role and /sign/:role sign with the named issuer, not the default', async () => {
    const dflt = await call('POST', 'pki/issue/web', { common_name: 'a.example.com', ttl: '1h' });
    assert.equal(dflt.status, 200, errText(dflt));
    assert.ok(signedBy(dflt.body.data.certificate, certA));
    const viaB = await call('POST', 'pki/issuer/root-b/issue/web', { common_name: 'b.example.com', ttl: '1h' });
    assert.equal(viaB.status, 200, errText(viaB));
    assert.ok(signedBy(viaB.body.data.certificate, certB));
    assert.ok(!signedBy(viaB.body.data.certificate, certA));
    assert.equal(viaB.body.data.issuing_ca, certB);
    assert.deepEqual(viaB.body.data.ca_chain, [certB]);
    const signed = await call('POST', 'pki/issuer/root-b/sign/web', { csr: await makeCsr('CN=c.example.com', ['c.example.com']), ttl: '1h' });
    assert.equal(signed.status, 200, errText(signed));
    assert.ok(signedBy(signed.body.data.certificate, certB));
    const refused = await call('POST', 'pki/issuer/root-b/issue/web', { common_name: 'evil.org' });
    assert.equal(refused.status, 400, 'the role still decides the names');
  });

  it('an unknown issuer, a malformed CSR, and an issuer without issuance usage are 400s with Vault\'s texts', async () => {
    const nope = await call('POST', 'pki/issuer/nope/issue/web', { common_name: 'x.example.com' });
    assert.equal(nope.status, 400);
    assert.equal(errText(nope), 'unable to find PKI issuer for reference: nope');
    const noPem = await call('POST', 'pki/issuer/root-b/sign/web', { csr: 'not a csr' });
    assert.equal(errText(noPem), 'csr contains no data');
    const junk = await call('POST', 'pki/issuer/root-b/sign/web', { csr: `-----BEGIN CERTIFICATE REQUEST-----\n${'QUJD'.repeat(20)}\n-----END CERTIFICATE REQUEST-----` });
    assert.equal(junk.status, 400);
    assert.match(errText(junk), /^certificate request could not be parsed: /);
    const p = await api(s, 'PATCH', 'pki/issuer/root-b', { token: s.rootToken, body: { usage: 'read-only,crl-signing' }, headers: { 'Content-Type': 'application/merge-patch+json' } });
    assert.equal(p.status, 200, errText(p));
    const noUsage = await call('POST', 'pki/issuer/root-b/issue/web', { common_name: 'b.example.com' });
    assert.equal(noUsage.status, 400);
    assert.match(errText(noUsage), /requested usage issuing-certificates for issuer \[id:.* \/ name:root-b\] but only had usage crl-signing,read-only/);
    const back = await api(s, 'PATCH', 'pki/issuer/root-b', { token: s.rootToken, body: { usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing' }, headers: { 'Content-Type': 'application/merge-patch+json' } });
    assert.equal(back.status, 200, errText(back));
  });

  it('leaf_not_after_behavior "err" refuses a leaf outliving the issuer; "truncate" caps it', async () => {
    assert.ok([200, 204].includes((await call('POST', 'pki/roles/long', { allow_any_name: true, key_type: 'ec', max_ttl: '87600h' })).status));
    assert.equal((await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', leaf_not_after_behavior: 'err' })).status, 200);
    const err = await call('POST', 'pki/issuer/root-b/issue/long', { common_name: 'x', ttl: '17520h' });
    assert.equal(err.status, 400);
    assert.match(errText(err), /^cannot satisfy request, as TTL would result in notAfter of \S+ that is beyond the expiration of the CA certificate at \S+$/);
    assert.equal((await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', leaf_not_after_behavior: 'truncate' })).status, 200);
    const cut = await call('POST', 'pki/issuer/root-b/issue/long', { common_name: 'x', ttl: '17520h' });
    assert.equal(cut.status, 200, errText(cut));
    assert.equal(new X509Certificate(cut.body.data.certificate).validTo, new X509Certificate(certB).validTo);
  });

  it('an issuer\'s own AIA URLs go into what it signs, instead of config/urls', async () => {
    assert.ok([200, 204].includes((await call('POST', 'pki/config/urls', { issuing_certificates: 'https://mount.test/ca' })).status));
    const u = await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', issuing_certificates: 'https://b.test/issuer/root-b/der', ocsp_servers: 'https://b.test/ocsp' });
    assert.equal(u.status, 200, errText(u));
    assert.deepEqual(u.body.data.delta_crl_distribution_points, []);
    const delta = await call('POST', 'pki/issuer/root-b', {
      issuer_name: 'root-b',
      issuing_certificates: 'https://b.test/issuer/root-b/der',
      ocsp_servers: 'https://b.test/ocsp',
      delta_crl_distribution_points: 'https://b.test/delta.crl',
    });
    assert.equal(delta.status, 200, errText(delta));
    assert.deepEqual(delta.body.data.delta_crl_distribution_points, ['https://b.test/delta.crl']);
    assert.deepEqual(delta.body.warnings, ['delta crl distribution points were set: https://b.test/delta.crl but no base crl distribution point was set, consider setting base crl distribution point.']);
    const templating = await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', enable_aia_url_templating: true });
    assert.equal(templating.status, 400);
    const viaB = await call('POST', 'pki/issuer/root-b/issue/web', { common_name: 'aia.example.com', ttl: '1h' });
    const freshest = new x509.X509Certificate(viaB.body.data.certificate).getExtension('2.5.29.46');
    assert.ok(freshest, 'the Freshest CRL (delta CRL distribution point) extension is present');
    assert.ok(Buffer.from(freshest.value).includes(Buffer.from('https://b.test/delta.crl')));
    const info = new X509Certificate(viaB.body.data.certificate).infoAccess ?? '';
    assert.match(info, /CA Issuers - URI:https:\/\/b\.test\/issuer\/root-b\/der/);
    assert.match(info, /OCSP - URI:https:\/\/b\.test\/ocsp/);
    assert.doesNotMatch(info, /mount\.test/);
    const viaA = await call('POST', 'pki/issue/web', { common_name: 'aia.example.com', ttl: '1h' });
    assert.match(new X509Certificate(viaA.body.data.certificate).infoAccess ?? '', /mount\.test\/ca/);
  });

  it('renaming an issuer that roles reference warns about them', async () => {
    assert.ok([200, 204].includes((await call('POST', 'pki/roles/pinned', { allow_any_name: true, key_type: 'ec', issuer_ref: 'root-b' })).status));
    const r = await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b2' });
    assert.equal(r.status, 200, errText(r));
    assert.deepEqual(r.body.warnings, ['1 roles reference root-b']);
    assert.equal((await call('POST', 'pki/issuer/root-b2', { issuer_name: 'root-b' })).status, 200);
  });

  it('issuer/:ref/sign-intermediate signs a CA with the named issuer', async () => {
    assert.equal((await call('POST', 'sys/mounts/pki-int', { type: 'pki' })).status, 204);
    const gen = await call('POST', 'pki-int/intermediate/generate/internal', { common_name: 'Int via B', key_type: 'ec' });
    const r = await call('POST', 'pki/issuer/root-b/sign-intermediate', { csr: gen.body.data.csr, ttl: '24h' });
    assert.equal(r.status, 200, errText(r));
    assert.ok(signedBy(r.body.data.certificate, certB));
    assert.ok(new X509Certificate(r.body.data.certificate).ca);
  });

  it('sign-verbatim keeps the CSR subject and SANs; issuer/:ref/sign-verbatim/:role uses the issuer and the role\'s TTLs', async () => {
    const csr = await makeCsr('CN=verbatim.internal,O=Acme,C=DE', ['verbatim.internal', 'other.internal']);
    const r = await call('POST', 'pki/sign-verbatim', { csr, ttl: '2h' });
    assert.equal(r.status, 200, errText(r));
    const c = new X509Certificate(r.body.data.certificate);
    assert.ok(signedBy(r.body.data.certificate, certA));
    assert.match(c.subject, /CN=verbatim\.internal/);
    assert.match(c.subject, /O=Acme/);
    assert.match(c.subjectAltName ?? '', /DNS:other\.internal/);
    assert.equal((Date.parse(c.validTo) - Date.parse(c.validFrom)) / 1000, 2 * 3600 + 30);
    const viaB = await call('POST', 'pki/issuer/root-b/sign-verbatim/web', { csr, ttl: '8000h', ext_key_usage: 'ServerAuth' });
    assert.equal(viaB.status, 200, errText(viaB));
    const b = new X509Certificate(viaB.body.data.certificate);
    assert.ok(signedBy(viaB.body.data.certificate, certB));
    assert.equal(Date.parse(b.validTo) - Date.parse(b.validFrom) <= (720 * 3600 + 30) * 1000, true, 'capped by the role max_ttl');
    assert.ok((viaB.body.warnings as string[]).some((w) => /truncated/.test(w)));
    const pinned = await call('POST', 'pki/sign-verbatim/pinned', { csr, ttl: '1h' });
    assert.equal(pinned.status, 200, errText(pinned));
    assert.ok(signedBy(pinned.body.data.certificate, certB), "a role's issuer_ref applies");
    const overridden = await call('POST', 'pki/sign-verbatim/pinned', { csr, ttl: '1h', issuer_ref: 'root-a' });
    assert.ok(signedBy(overridden.body.data.certificate, certA), 'an issuer_ref in the body wins over the role');
    const bad = await call('POST', 'pki/sign-verbatim', { csr: 'garbage' });
    assert.equal(errText(bad), 'csr contains no data');
    const unknownRole = await call('POST', 'pki/sign-verbatim/nope', { csr });
    assert.equal(unknownRole.status, 400);
  });

  it('root/sign-self-issued and issuer/:ref/sign-self-issued re-sign a self-issued CA', async () => {
    const outside = await selfIssuedCa('Outside Root');
    const r = await call('POST', 'pki/root/sign-self-issued', { certificate: outside });
    assert.equal(r.status, 200, errText(r));
    assert.equal(r.body.data.issuing_ca, certA);
    const c = new X509Certificate(r.body.data.certificate);
    assert.ok(signedBy(r.body.data.certificate, certA));
    assert.equal(c.subject, new X509Certificate(outside).subject);
    assert.equal(c.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'), new X509Certificate(outside).publicKey.export({ type: 'spki', format: 'der' }).toString('hex'));
    const viaB = await call('POST', 'pki/issuer/root-b/sign-self-issued', { certificate: outside });
    assert.equal(viaB.status, 200, errText(viaB));
    assert.ok(signedBy(viaB.body.data.certificate, certB));
    const leaf = (await call('POST', 'pki/issue/web', { common_name: 'leaf.example.com', ttl: '1h' })).body.data.certificate;
    assert.equal(errText(await call('POST', 'pki/root/sign-self-issued', { certificate: leaf })), 'given certificate is not a CA certificate');
    const notSelf = await call('POST', 'pki/issuer/root-b/sign-intermediate', { csr: (await call('POST', 'pki-int/intermediate/generate/internal', { common_name: 'Other Int', key_type: 'ec' })).body.data.csr });
    assert.equal(errText(await call('POST', 'pki/root/sign-self-issued', { certificate: notSelf.body.data.certificate })), 'given certificate is not self-issued');
    assert.equal(errText(await call('POST', 'pki/root/sign-self-issued', { certificate: 'nope' })), 'certificate could not be PEM-decoded');
  });

  it('issuer/:ref/revoke marks the issuer revoked, stops it issuing, and says why the CRL may not show it', async () => {
    const r = await call('POST', 'pki/issuer/root-b/revoke', {});
    assert.equal(r.status, 200, errText(r));
    assert.equal(r.body.data.revoked, true);
    assert.equal(typeof r.body.data.revocation_time, 'number');
    assert.equal(r.body.data.usage, 'crl-signing,ocsp-signing,read-only');
    assert.ok((r.body.warnings as string[]).some((w) => w.startsWith('This issuer is a self-signed (potentially root) certificate.')));
    const refused = await call('POST', 'pki/issuer/root-b/issue/web', { common_name: 'b.example.com' });
    assert.equal(refused.status, 400);
    const again = await call('POST', 'pki/issuer/root-b/revoke', {});
    assert.equal(again.body.data.revocation_time, r.body.data.revocation_time, 'revoking again changes nothing');
    const p = await api(s, 'PATCH', 'pki/issuer/root-b', { token: s.rootToken, body: { usage: 'read-only,issuing-certificates' }, headers: { 'Content-Type': 'application/merge-patch+json' } });
    assert.equal(p.status, 400);
    assert.match(errText(p), /^This issuer was revoked; unable to modify its usage to include certificate signing again\./);
    assert.equal(errText(await call('POST', 'pki/issuer/nope/revoke', {})), 'unable to find PKI issuer for reference: nope');
  });
});
