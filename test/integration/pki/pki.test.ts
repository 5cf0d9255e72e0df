/**
 * The PKI walkthrough against a real server: root CA, URLs, role, issue, sign, revoke
 * and CRL, the intermediate flow across two mounts, raw fetches, and a TLS handshake
 * with an issued certificate trusted only through the root.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createServer, connect, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';
import { OPENSSL, skipUnless } from '../../helpers/requirement.js';
import { waitFor } from '../../helpers/wait.js';

/** Seconds a certificate is valid for, from its own notBefore and notAfter. */
const lifetime = (c: X509Certificate): number => (Date.parse(c.validTo) - Date.parse(c.validFrom)) / 1000;
/** notAfter in Unix seconds, which `expiration` in Vault's answers must equal. */
const notAfter = (c: X509Certificate): number => Date.parse(c.validTo) / 1000;

/** Serves `cert` (+chain) over TLS and reports whether a client trusting only `ca` accepts it. */
async function tlsTrusted(key: string, certChain: string, ca: string, servername: string): Promise<{ ok: boolean; error?: string }> {
  const server: Server = createServer({ key, cert: certChain }, (sock) => sock.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const sock = connect({ host: '127.0.0.1', port, servername, ca }, () => {
        resolve({ ok: sock.authorized });
        sock.destroy();
      });
      sock.on('error', (e) => resolve({ ok: false, error: e.message }));
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('PKI', () => {
  let s: TestServer;
  let root = '';
  let ca: any; // any: response data asserted field by field
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: root, ...(body === undefined ? {} : { body }) });

  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    assert.equal((await call('POST', 'sys/mounts/pki', { type: 'pki' })).status, 204);
    assert.equal((await call('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '87600h' })).status, 204);
  });
  after(async () => {
    await s.close();
  });

  it('generates a root CA', async () => {
    const r = await call('POST', 'pki/root/generate/internal', { common_name: 'example.com', ttl: '87600h', issuer_name: 'root' });
    assert.equal(r.status, 200, errText(r));
    ca = r.body.data;
    assert.equal(r.body.mount_type, 'pki');
    for (const k of ['certificate', 'issuing_ca', 'serial_number', 'expiration', 'issuer_id', 'issuer_name', 'key_id', 'key_name']) assert.ok(k in ca, k);
    assert.equal(ca.private_key, undefined);
    assert.match(ca.serial_number, /^([0-9a-f]{2}:)+[0-9a-f]{2}$/);
    assert.equal(ca.issuer_name, 'root');
    const cert = new X509Certificate(ca.certificate);
    assert.ok(cert.ca);
    // notBefore is backdated 30 s for clock skew; notAfter is the requested TTL from issue.
    assert.equal(lifetime(cert), 87600 * 3600 + 30);
    assert.equal(ca.expiration, notAfter(cert));
    const dup = await call('POST', 'pki/root/generate/internal', { common_name: 'other', issuer_name: 'root' });
    assert.equal(dup.status, 400);
  });

  it('serves the CA raw, with the right content types, without a token', async () => {
    const pem = await fetch(`${s.url}/v1/pki/ca/pem`);
    assert.equal(pem.status, 200);
    assert.match(pem.headers.get('content-type') ?? '', /application\/pem-certificate-chain/);
    assert.equal((await pem.text()).trim(), ca.certificate);
    const der = await fetch(`${s.url}/v1/pki/ca`);
    assert.match(der.headers.get('content-type') ?? '', /application\/pkix-cert/);
    const derCert = new X509Certificate(Buffer.from(await der.arrayBuffer()));
    assert.equal(derCert.fingerprint256, new X509Certificate(ca.certificate).fingerprint256);
    const json = await call('GET', 'pki/cert/ca');
    assert.equal(json.body.data.certificate, ca.certificate);
  });

  it('config/urls, role, issue: the leaf chains to the root and matches the host', async () => {
    const urls = { issuing_certificates: ['https://ward.test/v1/pki/ca'], crl_distribution_points: ['https://ward.test/v1/pki/crl'] };
    assert.ok([200, 204].includes((await call('POST', 'pki/config/urls', urls)).status));
    assert.deepEqual((await call('GET', 'pki/config/urls')).body.data.crl_distribution_points, urls.crl_distribution_points);
    const role = { allowed_domains: ['example.com'], allow_subdomains: true, max_ttl: '72h', key_type: 'rsa', key_bits: 2048 };
    assert.ok([200, 204].includes((await call('POST', 'pki/roles/web', role)).status));
    const rr = await call('GET', 'pki/roles/web');
    assert.equal(rr.body.data.generate_lease, false);
    assert.equal(rr.body.data.no_store, false);
    assert.deepEqual((await call('LIST', 'pki/roles')).body.data.keys, ['web']);

    const r = await call('POST', 'pki/issue/web', { common_name: 'app.example.com', ttl: '24h', alt_names: 'www.example.com', ip_sans: '127.0.0.1' });
    assert.equal(r.status, 200, errText(r));
    assert.equal(r.body.lease_id, '', 'no lease unless generate_lease');
    const d = r.body.data;
    assert.equal(d.private_key_type, 'rsa');
    assert.deepEqual(d.ca_chain, [ca.certificate]);
    assert.equal(d.issuing_ca, ca.certificate);
    const leaf = new X509Certificate(d.certificate);
    const rootCert = new X509Certificate(ca.certificate);
    assert.ok(leaf.verify(rootCert.publicKey));
    assert.equal(leaf.checkHost('app.example.com'), 'app.example.com');
    assert.equal(leaf.checkHost('www.example.com'), 'www.example.com');
    assert.equal(leaf.checkHost('evil.org'), undefined);
    assert.match(leaf.infoAccess ?? '', /ward\.test\/v1\/pki\/ca/);
    assert.ok(new x509.X509Certificate(d.certificate).getExtension(x509.CRLDistributionPointsExtension));
    assert.equal(lifetime(leaf), 24 * 3600 + 30, 'ttl 24h plus the role\'s 30 s not_before_duration');
    assert.equal(d.expiration, notAfter(leaf));

    const tls = await tlsTrusted(d.private_key, d.certificate, ca.certificate, 'app.example.com');
    assert.deepEqual(tls, { ok: true });
    const wrongHost = await tlsTrusted(d.private_key, d.certificate, ca.certificate, 'other.example.com');
    assert.equal(wrongHost.ok, false);
  });

  it('refuses names outside allowed_domains and caps the ttl', async () => {
    const bad = await call('POST', 'pki/issue/web', { common_name: 'app.example.org' });
    assert.equal(bad.status, 400);
    assert.match(errText(bad), /common name app\.example\.org not allowed by this role/);
    const badSan = await call('POST', 'pki/issue/web', { common_name: 'a.example.com', alt_names: 'x.evil.org' });
    assert.equal(badSan.status, 400);
    assert.match(errText(badSan), /x\.evil\.org/);
    const long = await call('POST', 'pki/issue/web', { common_name: 'long.example.com', ttl: '200h' });
    assert.equal(long.status, 200);
    const capped = new X509Certificate(long.body.data.certificate);
    assert.equal(lifetime(capped), 72 * 3600 + 30, 'capped at the role max_ttl');
    assert.equal(long.body.data.expiration, notAfter(capped));
    assert.ok((long.body.warnings ?? []).length > 0);
  });

  let revokedHex = '';
  let crlPem = '';
  it('revokes, and the CRL lists the serial', async () => {
    const issued = (await call('POST', 'pki/issue/web', { common_name: 'revoke-me.example.com' })).body.data;
    const rv = await call('POST', 'pki/revoke', { serial_number: issued.serial_number });
    assert.equal(rv.status, 200, errText(rv));
    assert.ok(rv.body.data.revocation_time > 0);
    const crlRes = await fetch(`${s.url}/v1/pki/crl`);
    assert.match(crlRes.headers.get('content-type') ?? '', /application\/pkix-crl/);
    const der = Buffer.from(await crlRes.arrayBuffer());
    const crl = new x509.X509Crl(der);
    const hex = issued.serial_number.replace(/:/g, '');
    assert.ok(crl.findRevoked(hex), 'serial on the CRL');
    assert.ok(await crl.verify({ publicKey: new x509.X509Certificate(ca.certificate) }));
    const pem = await fetch(`${s.url}/v1/pki/crl/pem`);
    assert.match(pem.headers.get('content-type') ?? '', /application\/x-pem-file/);
    const pemText = await pem.text();
    assert.match(pemText, /BEGIN X509 CRL/);
    revokedHex = hex;
    crlPem = pemText;
    const c = await call('GET', `pki/cert/${issued.serial_number}`);
    assert.equal(c.body.data.revocation_time, rv.body.data.revocation_time);
    const list = await call('LIST', 'pki/certs');
    assert.ok(list.body.data.keys.includes(issued.serial_number));
    assert.ok(list.body.data.keys.includes(ca.serial_number));
  });

  it('an independent parser (openssl) reads the PEM CRL and finds the revoked serial', { skip: skipUnless(OPENSSL) }, () => {
    assert.ok(crlPem !== '' && revokedHex !== '', 'the revoke test ran first');
    const text = execFileSync('openssl', ['crl', '-noout', '-text'], { input: crlPem }).toString();
    assert.ok(text.toUpperCase().includes(revokedHex.toUpperCase()), 'openssl sees the serial');
  });

  it('signs a CSR and leases certificates when the role asks', async () => {
    const gen = (await call('POST', 'pki/intermediate/generate/exported', { common_name: 'svc.example.com', key_type: 'ec' })).body.data;
    // A mount's own intermediate CSR is just a convenient well-formed CSR here.
    const sign = await call('POST', 'pki/sign/web', { csr: gen.csr });
    assert.equal(sign.status, 400, 'role wants rsa keys');
    await call('POST', 'pki/roles/any', { allow_any_name: true, key_type: 'any', generate_lease: true, ttl: '1h' });
    const ok = await call('POST', 'pki/sign/any', { csr: gen.csr });
    assert.equal(ok.status, 200, errText(ok));
    assert.ok(new X509Certificate(ok.body.data.certificate).checkPrivateKey(createPrivateKey(gen.private_key)));
    assert.notEqual(ok.body.lease_id, '');
    assert.ok(ok.body.lease_duration > 3500);
    assert.equal((await call('PUT', 'sys/leases/revoke', { lease_id: ok.body.lease_id })).status, 204);
    const revoked = await call('LIST', 'pki/certs/revoked');
    assert.ok(revoked.body.data.keys.includes(ok.body.data.serial_number), 'lease revocation revoked the certificate');
  });

  it('tidy answers 202 and reports status', async () => {
    const t = await call('POST', 'pki/tidy', { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '1s' });
    assert.equal(t.status, 202);
    await waitFor('tidy to finish', async () => (await call('GET', 'pki/tidy-status')).body.data.state === 'Finished', { intervalMs: 20 });
  });

  it('intermediate flow: root mount signs the intermediate mount, leaf trusted via the root', async () => {
    assert.equal((await call('POST', 'sys/mounts/pki_int', { type: 'pki' })).status, 204);
    await call('POST', 'sys/mounts/pki_int/tune', { max_lease_ttl: '43800h' });
    const csr = await call('POST', 'pki_int/intermediate/generate/internal', { common_name: 'example.com Intermediate Authority', key_type: 'ec' });
    assert.equal(csr.status, 200, errText(csr));
    assert.equal(csr.body.data.private_key, undefined);
    const signed = await call('POST', 'pki/root/sign-intermediate', { csr: csr.body.data.csr, ttl: '43800h', common_name: 'example.com Intermediate Authority' });
    assert.equal(signed.status, 200, errText(signed));
    const set = await call('POST', 'pki_int/intermediate/set-signed', { certificate: `${signed.body.data.certificate}\n${signed.body.data.issuing_ca}` });
    assert.equal(set.status, 200, errText(set));
    await call('POST', 'pki_int/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '72h', key_type: 'ec' });
    const leaf = await call('POST', 'pki_int/issue/web', { common_name: 'svc.example.com', ttl: '1h' });
    assert.equal(leaf.status, 200, errText(leaf));
    const d = leaf.body.data;
    assert.equal(d.ca_chain.length, 2);
    const rootCert = new X509Certificate(ca.certificate);
    const intCert = new X509Certificate(signed.body.data.certificate);
    assert.ok(intCert.ca);
    assert.ok(intCert.verify(rootCert.publicKey), 'intermediate verifies against root');
    assert.ok(new X509Certificate(d.certificate).verify(intCert.publicKey), 'leaf verifies against intermediate');
    const chainPem = await (await fetch(`${s.url}/v1/pki_int/ca_chain`)).text();
    assert.equal(chainPem.match(/BEGIN CERTIFICATE/g)?.length, 2);
    const tls = await tlsTrusted(d.private_key, `${d.certificate}\n${d.issuing_ca}`, ca.certificate, 'svc.example.com');
    assert.deepEqual(tls, { ok: true });
  });
});
