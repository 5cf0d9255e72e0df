/**
 * PKI behind the ACL: a token allowed to issue from one role can do exactly that. Every
 * other PKI operation answers 403 "permission denied" and changes nothing, and the paths
 * Vault serves without a token (CA, CRL) stay open.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errText } from '../../helpers/errors.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('PKI permission denied', () => {
  let s: TestServer;
  let root = '';
  let caPem = '';
  let serial = '';
  let policies = 0;
  const asRoot = (method: string, path: string, body?: unknown) => api(s, method, path, { token: root, ...(body === undefined ? {} : { body }) });
  const tokenWith = async (policy: string): Promise<string> => {
    const name = `pki-${++policies}`;
    assert.equal((await asRoot('PUT', `sys/policies/acl/${name}`, { policy })).status, 204);
    return (await asRoot('POST', 'auth/token/create', { policies: [name] })).body.auth.client_token as string;
  };
  const assertDenied = (r: { status: number; body: unknown }, what: string): void => {
    assert.equal(r.status, 403, `${what}: ${JSON.stringify(r.body)}`);
    assert.match(errText(r as { body: { errors?: string[] } }), /permission denied/, what);
  };

  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    assert.equal((await asRoot('POST', 'sys/mounts/pki', { type: 'pki' })).status, 204);
    const ca = await asRoot('POST', 'pki/root/generate/internal', { common_name: 'example.com', key_type: 'ec', ttl: '24h', issuer_name: 'root' });
    assert.equal(ca.status, 200, errText(ca));
    caPem = ca.body.data.certificate as string;
    for (const role of ['web', 'admin']) {
      assert.ok([200, 204].includes((await asRoot('POST', `pki/roles/${role}`, { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '1h' })).status));
    }
    serial = (await asRoot('POST', 'pki/issue/admin', { common_name: 'keep.example.com' })).body.data.serial_number as string;
  });
  after(() => s.close());

  it('an issue-only token issues from its role and nothing else', async () => {
    const t = await tokenWith('path "pki/issue/web" { capabilities = ["update"] }');
    const ok = await api(s, 'POST', 'pki/issue/web', { token: t, body: { common_name: 'app.example.com' } });
    assert.equal(ok.status, 200, errText(ok));
    assert.match(ok.body.data.certificate, /BEGIN CERTIFICATE/);

    const attempts: [string, string, unknown][] = [
      ['POST', 'pki/issue/admin', { common_name: 'x.example.com' }],
      ['POST', 'pki/sign/web', { csr: 'x' }],
      ['POST', 'pki/roles/web', { allowed_domains: 'evil.org', allow_subdomains: true }],
      ['GET', 'pki/roles/web', undefined],
      ['LIST', 'pki/roles', undefined],
      ['DELETE', 'pki/roles/admin', undefined],
      ['POST', 'pki/root/generate/internal', { common_name: 'evil.org' }],
      ['POST', 'pki/root/generate/exported', { common_name: 'evil.org' }],
      ['POST', 'pki/root/sign-intermediate', { csr: 'x', common_name: 'evil.org' }],
      ['POST', 'pki/intermediate/generate/internal', { common_name: 'evil.org' }],
      ['DELETE', 'pki/root', undefined],
      ['POST', 'pki/revoke', { serial_number: serial }],
      ['POST', 'pki/config/urls', { issuing_certificates: 'https://evil.org/ca' }],
      ['POST', 'pki/tidy', { tidy_cert_store: true }],
      ['LIST', 'pki/certs', undefined],
    ];
    for (const [method, path, body] of attempts) assertDenied(await api(s, method, path, { token: t, ...(body === undefined ? {} : { body }) }), `${method} ${path}`);
  });

  it('a default-policy token and a request without a token cannot issue', async () => {
    const t = (await asRoot('POST', 'auth/token/create', { policies: ['default'] })).body.auth.client_token as string;
    assertDenied(await api(s, 'POST', 'pki/issue/web', { token: t, body: { common_name: 'a.example.com' } }), 'default policy');
    assertDenied(await api(s, 'POST', 'pki/issue/web', { body: { common_name: 'a.example.com' } }), 'no token');
    assertDenied(await api(s, 'POST', 'pki/issue/web', { token: 'hvs.not-a-real-token-at-all', body: { common_name: 'a.example.com' } }), 'unknown token');
  });

  it('a read-only token on roles cannot change them', async () => {
    const t = await tokenWith('path "pki/roles/*" { capabilities = ["read", "list"] }');
    assert.equal((await api(s, 'GET', 'pki/roles/web', { token: t })).status, 200);
    assertDenied(await api(s, 'POST', 'pki/roles/web', { token: t, body: { allowed_domains: 'evil.org' } }), 'update a role');
    assertDenied(await api(s, 'DELETE', 'pki/roles/web', { token: t }), 'delete a role');
  });

  it('nothing the denied requests asked for happened', async () => {
    const web = await asRoot('GET', 'pki/roles/web');
    assert.deepEqual(web.body.data.allowed_domains, ['example.com']);
    assert.equal((await asRoot('GET', 'pki/roles/admin')).status, 200, 'the admin role still exists');
    const cert = await asRoot('GET', `pki/cert/${serial}`);
    assert.equal(cert.body.data.revocation_time, 0, 'the certificate was not revoked');
    // The denied root/generate did not replace the CA: its certificate is still the issuer's.
    assert.equal((await asRoot('GET', 'pki/cert/ca')).body.data.certificate, caPem, 'the CA was not replaced');
    assert.deepEqual((await asRoot('GET', 'pki/config/urls')).body.data.issuing_certificates ?? [], [], 'the URLs were not set');
  });

  it('the CA and CRL stay readable without a token', async () => {
    assert.equal((await fetch(`${s.url}/v1/pki/ca/pem`)).status, 200);
    assert.equal((await fetch(`${s.url}/v1/pki/crl`)).status, 200);
  });
});
