/**
 * Issue 19, the cert auth method beyond the simple login: renewal presenting the
 * certificate again, chains through an intermediate, non-CA entries, disable_binding, and
 * OCSP against a local responder signing with a Ward PKI root's key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import '../../helpers/test-ca.js'; // sets @peculiar/x509's crypto provider
import { errText } from '../../helpers/errors.js';
import { startOcspResponder } from '../../helpers/ocsp-responder.js';
import { api } from '../../helpers/server.js';
import { startCertHarness, tlsCall, type CertHarness, type Client } from './cert-harness.js';

describe('cert auth method: renewal, chains, OCSP', () => {
  let h: CertHarness;
  const call = (method: string, path: string, body?: unknown) => h.call(method, path, body);
  const issue = (mount: string, cn: string, extra: Record<string, unknown> = {}) => h.issue(mount, cn, extra);
  const login = (client: Client, body: Record<string, unknown> = {}) => h.login(client, body);
  before(async () => {
    h = await startCertHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('renewal presents the certificate again: same one (or one re-issued by the same CA) renews, none or another CA\'s is refused', async () => {
    const w = await call('POST', 'auth/cert/certs/multi', { certificate: h.rootPem + h.otherRootPem, token_policies: 'web', token_ttl: '10m' });
    assert.equal(w.status, 204, errText(w));
    const c = await issue('pki', 'web-3');
    const token = (await login(c, { name: 'multi' })).body.auth.client_token;
    const ok = await tlsCall(h.tls.url, 'POST', 'auth/token/renew-self', c, { token, body: {} });
    assert.equal(ok.status, 200, errText(ok));
    const none = await tlsCall(h.tls.url, 'POST', 'auth/token/renew-self', {}, { token, body: {} });
    assert.equal(none.status, 400);
    assert.deepEqual(none.body.errors, ['client certificate must be supplied']);
    const other = await tlsCall(h.tls.url, 'POST', 'auth/token/renew-self', await issue('pki2', 'web-3'), { token, body: {} });
    assert.equal(other.status, 400);
    assert.deepEqual(other.body.errors, ['client identity during renewal not matching client identity used during login']);
    // Vault compares the subject key id OR the authority key id: a re-issued certificate
    // from the same CA (a rotated client certificate) still renews.
    const rotated = await tlsCall(h.tls.url, 'POST', 'auth/token/renew-self', await issue('pki', 'web-3'), { token, body: {} });
    assert.equal(rotated.status, 200, errText(rotated));
  });

  it('a certificate from an intermediate CA logs in when it presents the intermediate, not without it', async () => {
    assert.equal((await call('POST', 'sys/mounts/pki_int', { type: 'pki' })).status, 204);
    const csr = await call('POST', 'pki_int/intermediate/generate/internal', { common_name: 'ward-intermediate' });
    assert.equal(csr.status, 200, errText(csr));
    const signed = await call('POST', 'pki/root/sign-intermediate', { csr: csr.body.data.csr, common_name: 'ward-intermediate', ttl: '720h' });
    assert.equal(signed.status, 200, errText(signed));
    const set = await call('POST', 'pki_int/intermediate/set-signed', { certificate: signed.body.data.certificate });
    assert.ok([200, 204].includes(set.status), errText(set));
    const role = await call('POST', 'pki_int/roles/clients', { allow_any_name: true, enforce_hostnames: false, client_flag: true, server_flag: false, key_type: 'ec', key_bits: 256 });
    assert.ok([200, 204].includes(role.status), errText(role));
    const c = await issue('pki_int', 'web-int');
    const alone = await login(c);
    assert.equal(alone.status, 400);
    assert.deepEqual(alone.body.errors, ['invalid certificate or no client certificate supplied']);
    // Named: `multi` (trusting the same root, sorted first) would match an unnamed login, as in Vault.
    const withChain = await login({ cert: c.cert + '\n' + signed.body.data.certificate, key: c.key }, { name: 'web' });
    assert.equal(withChain.status, 200, errText(withChain));
    assert.equal(withChain.body.auth.metadata.cert_name, 'web');
  });

  it('a non-CA entry trusts exactly its own certificate', async () => {
    const pinned = await issue('pki', 'pinned-1');
    assert.equal((await call('POST', 'auth/cert/certs/pinned', { certificate: pinned.cert })).status, 204);
    const ok = await login(pinned, { name: 'pinned' });
    assert.equal(ok.status, 200, errText(ok));
    assert.equal(ok.body.auth.metadata.cert_name, 'pinned');
    const sibling = await login(await issue('pki', 'pinned-2'), { name: 'pinned' });
    assert.equal(sibling.status, 400);
    assert.deepEqual(sibling.body.errors, ['invalid certificate or no client certificate supplied']);
    // A self-made certificate copying the pinned one's serial and authority key id, with its own key.
    const real = new x509.X509Certificate(pinned.cert!);
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const akid = real.getExtension(x509.AuthorityKeyIdentifierExtension)!;
    const forged = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: real.serialNumber,
      name: real.subject,
      notBefore: real.notBefore,
      notAfter: real.notAfter,
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.AuthorityKeyIdentifierExtension(akid.keyId!), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
    const impostor = await login({ cert: forged.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n` }, { name: 'pinned' });
    assert.equal(impostor.status, 400, 'a certificate with the pinned serial and authority key id but another key logged in');
  });

  it('binding off: renewal needs no certificate', async () => {
    const c = await issue('pki', 'web-5');
    const token = (await login(c)).body.auth.client_token;
    assert.equal((await call('POST', 'auth/cert/config', { disable_binding: true })).status, 204);
    assert.equal((await call('GET', 'auth/cert/config')).body.data.disable_binding, true);
    try {
      const r = await api(h.s, 'POST', 'auth/token/renew-self', { token, body: {} });
      assert.equal(r.status, 200, errText(r));
    } finally {
      assert.equal((await call('POST', 'auth/cert/config', { disable_binding: false })).status, 204);
    }
  });

  it('OCSP: good logs in, revoked is refused, no usable answer (down, forged) refuses unless ocsp_fail_open', async () => {
    assert.equal((await call('POST', 'sys/mounts/pki_ocsp', { type: 'pki' })).status, 204);
    const root = await call('POST', 'pki_ocsp/root/generate/exported', { common_name: 'ocsp-root', ttl: '720h', key_type: 'ec', key_bits: 256 });
    assert.equal(root.status, 200, errText(root));
    const role = await call('POST', 'pki_ocsp/roles/clients', { allow_any_name: true, enforce_hostnames: false, client_flag: true, server_flag: false, key_type: 'ec', key_bits: 256 });
    assert.ok([200, 204].includes(role.status), errText(role));
    const responder = await startOcspResponder(root.body.data.private_key);
    try {
      const good = await issue('pki_ocsp', 'ocsp-good');
      const bad = await issue('pki_ocsp', 'ocsp-revoked');
      responder.statuses.set(bad.serial.replaceAll(':', ''), 'revoked');
      const w = await call('POST', 'auth/cert/certs/ocsp', { certificate: root.body.data.certificate, ocsp_enabled: true, ocsp_servers_override: [responder.url] });
      assert.equal(w.status, 204, errText(w));
      const ok = await login(good, { name: 'ocsp' });
      assert.equal(ok.status, 200, errText(ok));
      assert.ok(responder.requests > 0, 'the responder was not asked');
      const revoked = await login(bad, { name: 'ocsp' });
      assert.equal(revoked.status, 400);
      assert.deepEqual(revoked.body.errors, ['no chain matching all constraints could be found for this login certificate']);

      responder.forgeWith = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const forged = await login(good, { name: 'ocsp' });
      assert.equal(forged.status, 400, 'a forged answer was trusted');
      responder.forgeWith = null;

      await responder.close();
      const down = await login(good, { name: 'ocsp' });
      assert.equal(down.status, 400);
      assert.deepEqual(down.body.errors, ['no chain matching all constraints could be found for this login certificate']);
      assert.equal((await call('POST', 'auth/cert/certs/ocsp', { ocsp_fail_open: true })).status, 204);
      assert.equal((await login(good, { name: 'ocsp' })).status, 200);
    } finally {
      await responder.close().catch(() => {});
    }
  });

});
