/**
 * examples/cert-manager: the requests cert-manager's Vault Issuer makes (AppRole login,
 * sys/health, then `pki/sign/<role>` with its exact parameters, all strings) against a
 * real server set up as the README says, and the answer fields cert-manager reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { REPO_ROOT } from '../helpers/process.js';
import { api, startTestServer } from '../helpers/server.js';
import { errText } from '../helpers/errors.js';

const EXAMPLE = join(REPO_ROOT, 'examples', 'cert-manager');

/** A CSR as cert-manager builds it from certificate.yaml (ECDSA P-256). */
async function csrFor(cn: string, dns: string[], ips: string[], uris: string[]): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const names = [...dns.map((v) => ({ type: 'dns' as const, value: v })), ...ips.map((v) => ({ type: 'ip' as const, value: v })), ...uris.map((v) => ({ type: 'url' as const, value: v }))];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return csr.toString('pem');
}

test('cert-manager Vault Issuer flow (AppRole) against the example setup', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const admin = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
  const okAdmin = async (method: string, path: string, body?: unknown) => {
    const r = await admin(method, path, body);
    assert.ok(r.status === 200 || r.status === 204, `${method} ${path}: ${r.status} ${errText(r)}`);
    return r.body;
  };

  // The operator's steps from the README.
  await okAdmin('POST', 'sys/mounts/pki', { type: 'pki' });
  await okAdmin('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '87600h' });
  const root = (await okAdmin('POST', 'pki/root/generate/internal', { common_name: 'Example Root', ttl: '87600h' })).data;
  await okAdmin('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, allowed_uri_sans: 'spiffe://example.com/*', key_type: 'any', max_ttl: '2160h' });
  await okAdmin('PUT', 'sys/policies/acl/cert-manager', { policy: readFileSync(join(EXAMPLE, 'policy-cert-manager.hcl'), 'utf8') });
  await okAdmin('POST', 'sys/auth/approle', { type: 'approle' });
  await okAdmin('POST', 'auth/approle/role/cert-manager', { token_policies: 'cert-manager', token_ttl: '20m' });
  const roleId = (await okAdmin('GET', 'auth/approle/role/cert-manager/role-id')).data.role_id;
  const secretId = (await okAdmin('POST', 'auth/approle/role/cert-manager/secret-id')).data.secret_id;

  // cert-manager: health check, login, sign.
  assert.equal((await api(s, 'GET', 'sys/health')).status, 200);
  const login = await api(s, 'POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: secretId } });
  assert.equal(login.status, 200, errText(login));
  const token: string = login.body.auth.client_token;
  const sign = (params: Record<string, string>) => api(s, 'POST', 'pki/sign/web', { token, body: params });

  await t.test('signs the CSR with the names cert-manager asks for and answers the fields it reads', async () => {
    const csr = await csrFor('app.example.com', ['app.example.com', 'www.example.com'], ['10.0.0.5'], ['spiffe://example.com/ns/web/sa/app']);
    const r = await sign({
      common_name: 'app.example.com',
      alt_names: 'app.example.com,www.example.com',
      ip_sans: '10.0.0.5',
      uri_sans: 'spiffe://example.com/ns/web/sa/app',
      ttl: '2160h0m0s',
      csr,
      exclude_cn_from_sans: 'true',
    });
    assert.equal(r.status, 200, errText(r));
    const d = r.body.data;
    assert.equal(typeof d.certificate, 'string');
    assert.equal(d.issuing_ca, root.certificate);
    assert.ok(Array.isArray(d.ca_chain) && d.ca_chain.every((c: unknown) => typeof c === 'string'));
    assert.ok(d.ca_chain.includes(root.certificate));
    assert.equal(d.private_key, undefined, 'the key stays with cert-manager');
    const leaf = new X509Certificate(d.certificate);
    const ca = new X509Certificate(d.issuing_ca);
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey), 'certificate chains to issuing_ca');
    assert.equal(leaf.checkHost('www.example.com'), 'www.example.com');
    assert.equal(leaf.checkIP('10.0.0.5'), '10.0.0.5');
    assert.match(leaf.subjectAltName ?? '', /URI:spiffe:\/\/example\.com\/ns\/web\/sa\/app/);
    assert.equal((Date.parse(leaf.validTo) - Date.now()) / 3600_000 > 2159, true, 'ttl 2160h0m0s honoured');
  });

  await t.test('exclude_cn_from_sans keeps a CN out of the SANs when the CSR does not list it', async () => {
    const csr = await csrFor('only-cn.example.com', ['x.example.com'], [], []);
    const r = await sign({ common_name: 'only-cn.example.com', alt_names: 'x.example.com', ip_sans: '', uri_sans: '', ttl: '1h0m0s', csr, exclude_cn_from_sans: 'true' });
    assert.equal(r.status, 200, errText(r));
    const leaf = new X509Certificate(r.body.data.certificate);
    assert.doesNotMatch(leaf.subjectAltName ?? '', /only-cn/);
    assert.match(leaf.subject, /CN=only-cn\.example\.com/);
  });

  await t.test('a name outside the role is Vault\'s 400; the token can do nothing else', async () => {
    const csr = await csrFor('evil.example.org', ['evil.example.org'], [], []);
    const bad = await sign({ common_name: 'evil.example.org', alt_names: 'evil.example.org', ip_sans: '', uri_sans: '', ttl: '1h0m0s', csr, exclude_cn_from_sans: 'true' });
    assert.equal(bad.status, 400);
    assert.match(errText(bad), /common name evil\.example\.org not allowed by this role/);
    const issue = await api(s, 'POST', 'pki/issue/web', { token, body: { common_name: 'a.example.com' } });
    assert.equal(issue.status, 403);
    const malformed = await sign({ common_name: 'a.example.com', alt_names: '', ip_sans: '', uri_sans: '', ttl: '1h0m0s', csr: 'not a csr', exclude_cn_from_sans: 'true' });
    assert.equal(malformed.status, 400);
  });

  await t.test("a URI SAN outside the role's allowed_uri_sans is Vault's 400, and the role reads it back", async () => {
    const csr = await csrFor('app.example.com', ['app.example.com'], [], ['spiffe://evil.example.org/ns/web/sa/app']);
    const bad = await sign({ common_name: 'app.example.com', alt_names: 'app.example.com', ip_sans: '', uri_sans: 'spiffe://evil.example.org/ns/web/sa/app', ttl: '1h0m0s', csr, exclude_cn_from_sans: 'true' });
    assert.equal(bad.status, 400);
    assert.equal(errText(bad), 'URI Subject Alternative Names were provided via CSR which are not valid for this role');
    assert.deepEqual((await okAdmin('GET', 'pki/roles/web')).data.allowed_uri_sans, ['spiffe://example.com/*']);
  });
});
