import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { silentLogger, type LogicalRequest, type LogicalResponse, type Operation } from '../../sdk/logical.js';
import { InmemStorage, listRecursive } from '../../sdk/storage.js';
import { pkiBackend } from './index.js';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { testRequest } from '../../sdk/testing.js';

function mount() {
  const storage = new InmemStorage();
  const backend = pkiBackend({ logger: silentLogger, system: { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 10 * 365 * 86400, options: () => ({}) } });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<LogicalResponse | null> =>
    backend.handleRequest(testRequest(storage, operation, path, data, { mountPoint: 'pki/', mountType: 'pki', mountAccessor: 'pki_1', clientToken: '' }));
  const data = async (op: Operation, path: string, body: Record<string, unknown> = {}) => (await call(op, path, body))?.data as Record<string, any>; // any: asserted field by field
  return { storage, backend, call, data };
}


describe('pki backend', () => {
  it('generates a root, issues against a role, and the leaf chains to the root', async () => {
    const m = mount();
    const root = await m.data('update', 'root/generate/internal', { common_name: 'Ward Root', ttl: '87600h', key_type: 'ec', issuer_name: 'root' });
    assert.equal(root.private_key, undefined, 'internal never returns the key');
    assert.match(root.serial_number, /^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    assert.equal(root.issuer_name, 'root');
    const rootCert = new X509Certificate(root.certificate);
    assert.ok(rootCert.ca);
    assert.ok(rootCert.verify(rootCert.publicKey));
    assert.equal(root.expiration, Math.floor(new Date(rootCert.validTo).getTime() / 1000));

    await m.call('update', 'config/urls', { issuing_certificates: 'http://ward.test/v1/pki/ca', crl_distribution_points: ['http://ward.test/v1/pki/crl'] });
    await m.call('update', 'roles/web', { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '72h', key_type: 'ec' });
    const role = await m.data('read', 'roles/web');
    assert.equal(role.max_ttl, 72 * 3600);
    assert.equal(role.key_bits, 256);
    assert.deepEqual((await m.data('list', 'roles/')).keys, ['web']);

    const leaf = await m.data('update', 'issue/web', { common_name: 'app.example.com', alt_names: 'api.example.com', ip_sans: '127.0.0.1', ttl: '24h' });
    assert.equal(leaf.private_key_type, 'ec');
    assert.match(leaf.private_key, /BEGIN EC PRIVATE KEY/);
    assert.deepEqual(leaf.ca_chain, [root.certificate]);
    const cert = new X509Certificate(leaf.certificate);
    assert.ok(cert.verify(rootCert.publicKey));
    assert.ok(cert.checkIssued(rootCert));
    assert.equal(cert.checkHost('api.example.com'), 'api.example.com');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(cert.checkPrivateKey(createPrivateKey(leaf.private_key)));
    assert.match(cert.infoAccess ?? '', /http:\/\/ward\.test\/v1\/pki\/ca/);
    const parsed = new x509.X509Certificate(leaf.certificate);
    assert.ok(parsed.getExtension(x509.CRLDistributionPointsExtension));
    // From the certificate itself, not the test's clock: the TTL plus the 30 s backdate.
    const lifetime = (c: X509Certificate): number => (Date.parse(c.validTo) - Date.parse(c.validFrom)) / 1000;
    assert.equal(lifetime(cert), 24 * 3600 + 30);

    const capped = await m.call('update', 'issue/web', { common_name: 'b.example.com', ttl: '100h' });
    assert.ok((capped?.warnings ?? []).some((w) => /truncated/.test(w)));
    const cappedData = capped?.data as { expiration: number; certificate: string };
    const cappedCert = new X509Certificate(cappedData.certificate);
    assert.equal(lifetime(cappedCert), 72 * 3600 + 30, 'capped at the role max_ttl');
    assert.equal(cappedData.expiration, Date.parse(cappedCert.validTo) / 1000);

    const der = await m.data('update', 'issue/web', { common_name: 'd.example.com', format: 'der' });
    assert.ok(new X509Certificate(Buffer.from(der.certificate, 'base64')).verify(rootCert.publicKey));
    assert.ok(createPrivateKey({ key: Buffer.from(der.private_key, 'base64'), format: 'der', type: 'sec1' }));
    const bundle = await m.data('update', 'issue/web', { common_name: 'e.example.com', format: 'pem_bundle' });
    assert.equal((bundle.certificate.match(/-----BEGIN /g) ?? []).length, 3, 'key, leaf and root');

    const listed = (await m.data('list', 'certs/')).keys as string[];
    assert.ok(listed.includes(leaf.serial_number) && listed.includes(root.serial_number));
    assert.equal((await m.data('read', `cert/${leaf.serial_number}`)).certificate, leaf.certificate);
    assert.equal((await m.data('read', 'cert/ca')).certificate, root.certificate);
  });

  it('refuses names outside the role with clear 400s', async () => {
    const m = mount();
    await m.call('update', 'root/generate/internal', { common_name: 'Root', key_type: 'ec' });
    await m.call('update', 'roles/web', { allowed_domains: ['example.com'], allow_subdomains: true, key_type: 'ec', allow_ip_sans: false });
    await rejectsWard(m.call('update', 'issue/web', { common_name: 'app.example.org' }), 400, /common name app\.example\.org not allowed by this role/);
    await rejectsWard(m.call('update', 'issue/web', { common_name: 'a.example.com', alt_names: 'evil.org' }), 400, /subject alternate name evil\.org/);
    await rejectsWard(m.call('update', 'issue/web', { common_name: 'a.example.com', ip_sans: '10.0.0.1' }), 400, /IP Subject Alternative Names/);
    await rejectsWard(m.call('update', 'issue/web', {}), 400, /common_name field is required/);
    await rejectsWard(m.call('update', 'issue/nope', { common_name: 'a.example.com' }), 400, /unknown role/);
  });

  it('exported roots return the key once; reads never do', async () => {
    const m = mount();
    const root = await m.data('update', 'root/generate/exported', { common_name: 'Root', key_type: 'ed25519', key_name: 'k1' });
    assert.match(root.private_key, /BEGIN PRIVATE KEY/);
    assert.equal(root.private_key_type, 'ed25519');
    assert.ok(new X509Certificate(root.certificate).checkPrivateKey(createPrivateKey(root.private_key)));
    for (const p of ['cert/ca', `cert/${root.serial_number}`]) assert.equal(JSON.stringify(await m.data('read', p)).includes('PRIVATE KEY'), false);
    await rejectsWard(m.call('update', 'root/generate/internal', { common_name: 'Root2', key_name: 'k1', key_type: 'ec' }), 400, 'key name already in use');
    await rejectsWard(m.call('update', 'root/generate/kms', { common_name: 'Root2' }), 400, /unsupported type/);
  });

  it('signs CSRs, enforcing the role key type', async () => {
    const m = mount();
    await m.call('update', 'root/generate/internal', { common_name: 'Root', key_type: 'rsa' });
    await m.call('update', 'roles/svc', { allowed_domains: 'svc.local', allow_subdomains: true, key_type: 'ec', server_flag: true, client_flag: false });
    const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const alg = { name: 'ECDSA', namedCurve: 'P-256' };
    const { webcrypto } = await import('node:crypto');
    const privateKey = await webcrypto.subtle.importKey('pkcs8', kp.privateKey.export({ type: 'pkcs8', format: 'der' }), alg, false, ['sign']);
    const publicKey = await webcrypto.subtle.importKey('spki', kp.publicKey.export({ type: 'spki', format: 'der' }), alg, true, ['verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=db.svc.local',
      keys: { privateKey, publicKey },
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'db2.svc.local' }])],
    });
    const signed = await m.data('update', 'sign/svc', { csr: csr.toString('pem') });
    assert.equal(signed.private_key, undefined);
    const cert = new X509Certificate(signed.certificate);
    assert.ok(cert.checkPrivateKey(kp.privateKey));
    assert.match(cert.subjectAltName ?? '', /DNS:db\.svc\.local, DNS:db2\.svc\.local/);
    assert.deepEqual([...(new x509.X509Certificate(signed.certificate).getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], ['1.3.6.1.5.5.7.3.1']);

    await m.call('update', 'roles/rsaonly', { allow_any_name: true, key_type: 'rsa' });
    await rejectsWard(m.call('update', 'sign/rsaonly', { csr: csr.toString('pem') }), 400, /requires keys of type rsa/);
    await rejectsWard(m.call('update', 'sign/svc', { csr: 'garbage' }), 400, 'csr contains no data');
  });

  it('runs the intermediate flow between two mounts', async () => {
    const rootMount = mount();
    const intMount = mount();
    const root = await rootMount.data('update', 'root/generate/internal', { common_name: 'Root', key_type: 'ec' });
    const gen = await intMount.data('update', 'intermediate/generate/internal', { common_name: 'Intermediate', key_type: 'ec' });
    assert.match(gen.csr, /BEGIN CERTIFICATE REQUEST/);
    assert.equal(gen.private_key, undefined);
    await rejectsWard(intMount.call('update', 'issue/x', { common_name: 'a' }), 400, /unknown role/);
    const signed = await rootMount.data('update', 'root/sign-intermediate', { csr: gen.csr, ttl: '43800h' });
    const set = await intMount.data('update', 'intermediate/set-signed', { certificate: `${signed.certificate}\n${signed.issuing_ca}` });
    assert.equal(set.imported_issuers.length, 1);
    await intMount.call('update', 'roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    const leaf = await intMount.data('update', 'issue/web', { common_name: 'a.example.com' });
    assert.deepEqual(leaf.ca_chain, [signed.certificate, root.certificate]);
    const rootCert = new X509Certificate(root.certificate);
    const intCert = new X509Certificate(signed.certificate);
    assert.ok(intCert.ca && intCert.verify(rootCert.publicKey));
    assert.ok(new X509Certificate(leaf.certificate).verify(intCert.publicKey));
    assert.ok(new Date(leaf.expiration * 1000) <= new Date(intCert.validTo));
    await rejectsWard(intMount.call('update', 'intermediate/set-signed', { certificate: root.certificate }), 400, /does not match any key/);
  });

  it('revokes into the CRL and tidies expired certificates', async () => {
    const m = mount();
    const root = await m.data('update', 'root/generate/internal', { common_name: 'Root', key_type: 'ec' });
    await m.call('update', 'roles/web', { allow_any_name: true, key_type: 'ec', generate_lease: true });
    const res = await m.call('update', 'issue/web', { common_name: 'a.example.com', ttl: '1h' });
    assert.equal(res?.secret?.type, 'pki');
    assert.ok((res?.secret?.ttl ?? 0) > 3500);
    const serial = (res?.data as { serial_number: string }).serial_number;
    const rev = await m.data('update', 'revoke', { serial_number: serial });
    assert.ok(rev.revocation_time > 0);
    assert.equal((await m.data('update', 'revoke', { serial_number: serial.replace(/:/g, '-') })).revocation_time, rev.revocation_time);
    const crlRaw = await m.call('read', 'crl');
    assert.equal(crlRaw?.raw?.contentType, 'application/pkix-crl');
    const crl = new x509.X509Crl(crlRaw?.raw?.body as Buffer);
    assert.ok(crl.findRevoked(serial.replace(/:/g, '')));
    assert.ok(await crl.verify({ publicKey: new x509.X509Certificate(root.certificate) }));
    assert.equal((await m.data('read', `cert/${serial}`)).revocation_time, rev.revocation_time);
    await rejectsWard(m.call('update', 'revoke', { serial_number: root.serial_number }), 400, /its own CRL/);
    await rejectsWard(m.call('update', 'revoke', { serial_number: '01:02' }), 400, /not found/);

    // The lease revoke path revokes too, and tolerates a certificate already gone.
    const other = await m.call('update', 'issue/web', { common_name: 'b.example.com', ttl: '1h' });
    const lease = { leaseId: 'l', path: 'issue/web', issueTime: 0, expireTime: 0, lastRenewalTime: null, ttl: 1, maxTtl: 1, renewable: false, increment: 0, internalData: other?.secret?.internalData ?? {} };
    const req = { storage: m.storage } as unknown as LogicalRequest;
    await m.backend.secretTypes.pki?.revoke(req, lease);
    await m.backend.secretTypes.pki?.revoke(req, { ...lease, internalData: { serial_number: '0f:0f' } });
    assert.equal((await m.data('list', 'certs/revoked/')).keys.length, 2);

    await rejectsWard(m.call('update', 'tidy', {}), 400, /at least one operation/);
    const t = await m.call('update', 'tidy', { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: 1 });
    assert.equal(t?.status, 202);
    await m.backend.tidier.running;
    assert.equal((await m.data('read', 'tidy-status')).state, 'Finished');
    assert.equal((await m.data('list', 'certs/revoked/')).keys.length, 2, 'unexpired revocations stay');
  });

  it('serves raw CA material and deletes the root', async () => {
    const m = mount();
    assert.equal((await m.call('read', 'ca/pem'))?.raw?.status, 204);
    const root = await m.data('update', 'root/generate/internal', { common_name: 'Root', key_type: 'ec' });
    const pem = await m.call('read', 'ca/pem');
    assert.equal(pem?.raw?.contentType, 'application/pem-certificate-chain');
    assert.equal(String(pem?.raw?.body).trim(), root.certificate);
    const der = await m.call('read', 'ca');
    assert.equal(der?.raw?.contentType, 'application/pkix-cert');
    assert.equal(new X509Certificate(der?.raw?.body as Buffer).fingerprint256, new X509Certificate(root.certificate).fingerprint256);
    assert.match(String((await m.call('read', 'crl/pem'))?.raw?.body), /BEGIN X509 CRL/);
    assert.ok(m.backend.specialPaths.unauthenticated?.includes('ca/pem'));
    await m.call('delete', 'root');
    assert.deepEqual((await listRecursive(m.storage)).filter((k) => k.startsWith('config/')), []);
    await rejectsWard(m.call('update', 'issue/x', { common_name: 'a' }), 400, /unknown role/);
  });
});
