/**
 * Issue 19, the TLS certificate auth method over real sockets: client certificates issued
 * by Ward's own PKI engine log in through a TLS listener that requests them; expired,
 * revoked (on a CRL written to crls/), wrong-name, foreign-CA and missing certificates are
 * refused with Vault's errors; renewal checks the certificate again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertBackend } from '../../../src/auth/cert/index.js';
import { builtinRegistry } from '../../../src/core/builtin-registry.js';
import { createHandler } from '../../../src/http/handler.js';
import { startListener, type Listener } from '../../../src/http/listener.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { FakeClock } from '../../helpers/clock.js';
import { errText } from '../../helpers/errors.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { makeCa } from '../../helpers/test-ca.js';
import { startOcspResponder } from '../../helpers/ocsp-responder.js';
import { spawnWard } from '../../../src/cli/testing.js';

interface Client {
  cert?: string;
  key?: string;
}
interface Answer {
  status: number;
  body: any; // any: asserted field by field
}

/** One HTTPS request to the TLS listener presenting `client`'s certificate (if any). */
function tlsCall(url: string, method: string, path: string, client: Client, o: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const body = o.body === undefined ? '' : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Length': String(Buffer.byteLength(body)) };
    if (o.token) headers['X-Vault-Token'] = o.token;
    const r = https.request(`${url}/v1/${path}`, { method, headers, rejectUnauthorized: false, agent: false, ...client }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

describe('cert auth method', () => {
  const clock = new FakeClock(Date.now());
  let s: TestServer;
  let tls: Listener;
  let dir: string;
  let rootPem = '';
  let otherRootPem = '';
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
  const issue = async (mount: string, cn: string, extra: Record<string, unknown> = {}): Promise<Client & { serial: string }> => {
    const r = await call('POST', `${mount}/issue/clients`, { common_name: cn, ttl: '1h', ...extra });
    assert.equal(r.status, 200, errText(r));
    return { cert: r.body.data.certificate, key: r.body.data.private_key, serial: r.body.data.serial_number };
  };
  const login = (client: Client, body: Record<string, unknown> = {}) => tlsCall(tls.url, 'POST', 'auth/cert/login', client, { body });

  before(async () => {
    const registry = builtinRegistry();
    // Only the cert method reads the fake clock: certificates expire for it, not for the PKI engine.
    registry.register('cert', 'auth', async (config) => createCertBackend(config, { clock }));
    s = await startTestServer({ registry });
    dir = mkdtempSync(join(tmpdir(), 'ward-cert-auth-'));
    const server = await (await makeCa('listener-ca')).server('ward');
    writeFileSync(join(dir, 'cert.pem'), server.certPem);
    writeFileSync(join(dir, 'key.pem'), server.keyPem);
    tls = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'cert.pem'), tlsKeyFile: join(dir, 'key.pem') }, createHandler(s.core, { logger: silentLogger }));

    for (const [mount, cn] of [['pki', 'ward-root'], ['pki2', 'other-root']] as const) {
      assert.equal((await call('POST', `sys/mounts/${mount}`, { type: 'pki' })).status, 204);
      assert.equal((await call('POST', `sys/mounts/${mount}/tune`, { max_lease_ttl: '87600h' })).status, 204);
      const r = await call('POST', `${mount}/root/generate/internal`, { common_name: cn, ttl: '8760h' });
      assert.equal(r.status, 200, errText(r));
      if (mount === 'pki') rootPem = r.body.data.certificate;
      else otherRootPem = r.body.data.certificate;
      const role = await call('POST', `${mount}/roles/clients`, { allow_any_name: true, enforce_hostnames: false, client_flag: true, server_flag: false, max_ttl: '24h', key_type: 'ec', key_bits: 256 });
      assert.ok([200, 204].includes(role.status), errText(role));
    }
    assert.equal((await call('POST', 'sys/auth/cert', { type: 'cert' })).status, 204);
    assert.equal((await call('POST', 'sys/policies/acl/web', { policy: 'path "secret/*" { capabilities = ["read"] }' })).status, 204);
    const w = await call('POST', 'auth/cert/certs/web', { certificate: rootPem, display_name: 'web', allowed_common_names: 'web-*', token_policies: 'web', token_ttl: '10m' });
    assert.equal(w.status, 204, errText(w));
  });
  after(async () => {
    await tls?.close();
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('manages trusted certificates: read, list, bad input', async () => {
    const r = await call('GET', 'auth/cert/certs/web');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.certificate, rootPem);
    assert.deepEqual(r.body.data.allowed_common_names, ['web-*']);
    assert.deepEqual(r.body.data.token_policies, ['web']);
    assert.equal(r.body.data.token_ttl, 600);
    assert.deepEqual((await call('LIST', 'auth/cert/certs')).body.data.keys, ['web']);
    const bad = await call('POST', 'auth/cert/certs/bad', { certificate: 'not a certificate' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, ['failed to parse certificate']);
    const none = await call('POST', 'auth/cert/certs/bad', { display_name: 'x' });
    assert.equal(none.status, 400);
    assert.deepEqual(none.body.errors, ['failed to parse certificate']);
  });

  it('a valid certificate logs in, with Vault metadata, an entity and the alias named by the common name', async () => {
    const c = await issue('pki', 'web-1');
    const r = await login(c);
    assert.equal(r.status, 200, errText(r));
    const a = r.body.auth;
    assert.deepEqual(a.policies, ['default', 'web']);
    assert.equal(a.lease_duration, 600);
    assert.equal(a.metadata.cert_name, 'web');
    assert.equal(a.metadata.common_name, 'web-1');
    assert.equal(a.metadata.serial_number, BigInt(`0x${c.serial.replaceAll(':', '')}`).toString());
    assert.match(a.metadata.subject_key_id, /^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    assert.match(a.metadata.authority_key_id, /^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    assert.ok(a.entity_id);
    const e = await call('GET', `identity/entity/id/${a.entity_id}`);
    assert.equal(e.status, 200, errText(e));
    assert.deepEqual(e.body.data.aliases.map((x: { name: string }) => x.name), ['web-1']);
    // The same certificate finds the same entity.
    assert.equal((await login(c)).body.auth.entity_id, a.entity_id);
  });

  it('ward login -method=cert logs in with -client-cert/-client-key, as vault login does', async () => {
    const c = await issue('pki', 'web-cli');
    writeFileSync(join(dir, 'client.pem'), c.cert!);
    writeFileSync(join(dir, 'client-key.pem'), c.key!);
    const env = { VAULT_ADDR: tls.url, HOME: dir, VAULT_SKIP_VERIFY: 'true' };
    const r = await spawnWard(['login', '-method=cert', `-client-cert=${join(dir, 'client.pem')}`, `-client-key=${join(dir, 'client-key.pem')}`, '-format=json', 'name=web'], env, '');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { auth: { metadata: Record<string, string>; client_token: string } };
    assert.equal(out.auth.metadata.common_name, 'web-cli');
    const none = await spawnWard(['login', '-method=cert', '-format=json', 'name=web'], env, '');
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /client certificate must be supplied/);
  });

  it('enable_identity_alias_metadata puts the login metadata on the alias', async () => {
    assert.equal((await call('POST', 'auth/cert/config', { enable_identity_alias_metadata: true })).status, 204);
    try {
      const r = await login(await issue('pki', 'web-meta'));
      assert.equal(r.status, 200, errText(r));
      const e = await call('GET', `identity/entity/id/${r.body.auth.entity_id}`);
      const alias = e.body.data.aliases[0];
      assert.equal(alias.name, 'web-meta');
      assert.equal(alias.metadata.cert_name, 'web');
      assert.equal(alias.metadata.common_name, 'web-meta');
    } finally {
      assert.equal((await call('POST', 'auth/cert/config', { enable_identity_alias_metadata: false })).status, 204);
    }
  });

  it('a certificate whose common name the entry does not allow is refused', async () => {
    const r = await login(await issue('pki', 'db-1'));
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['no chain matching all constraints could be found for this login certificate']);
  });

  it('a certificate without an allowed DNS SAN is refused; with one it logs in', async () => {
    const w = await call('POST', 'auth/cert/certs/san', { certificate: rootPem, allowed_dns_sans: '*.good.example' });
    assert.equal(w.status, 204, errText(w));
    const bad = await login(await issue('pki', 'svc', { alt_names: 'svc.bad.example' }), { name: 'san' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, ['no chain matching all constraints could be found for this login certificate']);
    const good = await login(await issue('pki', 'svc', { alt_names: 'svc.good.example' }), { name: 'san' });
    assert.equal(good.status, 200, errText(good));
    assert.equal(good.body.auth.metadata.cert_name, 'san');
  });

  it('a certificate from another CA is refused', async () => {
    const r = await login(await issue('pki2', 'web-1'));
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['invalid certificate or no client certificate supplied']);
  });

  it('no certificate at all is refused; plain HTTP is refused', async () => {
    const r = await login({});
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['client certificate must be supplied']);
    const plain = await api(s, 'POST', 'auth/cert/login', { body: {} });
    assert.equal(plain.status, 400);
    assert.deepEqual(plain.body.errors, ['tls connection required']);
  });

  it('a revoked certificate on a CRL written to crls/ is refused', async () => {
    const c = await issue('pki', 'web-2');
    assert.equal((await login(c)).status, 200);
    const rv = await call('POST', 'pki/revoke', { serial_number: c.serial });
    assert.equal(rv.status, 200, errText(rv));
    const crl = await (await fetch(`${s.url}/v1/pki/crl/pem`)).text();
    const w = await call('POST', 'auth/cert/crls/pki', { crl });
    assert.equal(w.status, 204, errText(w));
    const read = await call('GET', 'auth/cert/crls/pki');
    assert.ok(Object.keys(read.body.data.serials).includes(BigInt(`0x${c.serial.replaceAll(':', '')}`).toString()));
    const r = await login(c);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, ['no chain matching all constraints could be found for this login certificate']);
    const bad = await call('POST', 'auth/cert/crls/junk', { crl: 'nope' });
    assert.equal(bad.status, 400);
    // Deleting the CRL lets the certificate in again.
    assert.equal((await call('DELETE', 'auth/cert/crls/pki')).status, 204);
    assert.equal((await login(c)).status, 200);
  });

  it('renewal presents the certificate again: same one renews, none or another is refused', async () => {
    const w = await call('POST', 'auth/cert/certs/multi', { certificate: rootPem + otherRootPem, token_policies: 'web', token_ttl: '10m' });
    assert.equal(w.status, 204, errText(w));
    const c = await issue('pki', 'web-3');
    const token = (await login(c, { name: 'multi' })).body.auth.client_token;
    const ok = await tlsCall(tls.url, 'POST', 'auth/token/renew-self', c, { token, body: {} });
    assert.equal(ok.status, 200, errText(ok));
    const none = await tlsCall(tls.url, 'POST', 'auth/token/renew-self', {}, { token, body: {} });
    assert.equal(none.status, 400);
    assert.deepEqual(none.body.errors, ['client certificate must be supplied']);
    const other = await tlsCall(tls.url, 'POST', 'auth/token/renew-self', await issue('pki2', 'web-3'), { token, body: {} });
    assert.equal(other.status, 400);
    assert.deepEqual(other.body.errors, ['client identity during renewal not matching client identity used during login']);
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
  });

  it('binding off: renewal needs no certificate', async () => {
    const c = await issue('pki', 'web-5');
    const token = (await login(c)).body.auth.client_token;
    assert.equal((await call('POST', 'auth/cert/config', { disable_binding: true })).status, 204);
    assert.equal((await call('GET', 'auth/cert/config')).body.data.disable_binding, true);
    try {
      const r = await api(s, 'POST', 'auth/token/renew-self', { token, body: {} });
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

  it('an expired certificate is refused with the verification error', async () => {
    const c = await issue('pki', 'web-4');
    assert.equal((await login(c)).status, 200);
    clock.advance(2 * 3600);
    const r = await login(c);
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0], /^failed to verify client's certificate: x509: certificate has expired or is not yet valid: current time \S+ is after \S+$/);
  });
});
