/**
 * Issue 19, the TLS certificate auth method over real sockets: client certificates issued
 * by Ward's own PKI engine log in through a TLS listener that requests them; expired,
 * revoked (on a CRL written to crls/), wrong-name, foreign-CA and missing certificates are
 * refused with Vault's errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnWard } from '../../../src/cli/testing.js';
import { errText } from '../../helpers/errors.js';
import { api } from '../../helpers/server.js';
import { startCertHarness, type CertHarness, type Client } from './cert-harness.js';

describe('cert auth method: login', () => {
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

  it('manages trusted certificates: read, list, bad input', async () => {
    const r = await call('GET', 'auth/cert/certs/web');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.certificate, h.rootPem);
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

  it('config: defaults, and cache sizes out of range are refused', async () => {
    const r = await call('GET', 'auth/cert/config');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.disable_binding, false);
    assert.equal(r.body.data.enable_identity_alias_metadata, false);
    assert.equal(r.body.data.ocsp_cache_size, 100);
    for (const size of [1, 100001]) {
      const bad = await call('POST', 'auth/cert/config', { ocsp_cache_size: size });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.errors, ['invalid cache size, must be >= 2 and <= 100000']);
    }
    const role = await call('POST', 'auth/cert/config', { role_cache_size: -5 });
    assert.equal(role.status, 400);
    assert.equal((await call('GET', 'auth/cert/config')).body.data.ocsp_cache_size, 100);
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
    writeFileSync(join(h.dir, 'client.pem'), c.cert!);
    writeFileSync(join(h.dir, 'client-key.pem'), c.key!);
    const env = { VAULT_ADDR: h.tls.url, HOME: h.dir, VAULT_SKIP_VERIFY: 'true' };
    const r = await spawnWard(['login', '-method=cert', `-client-cert=${join(h.dir, 'client.pem')}`, `-client-key=${join(h.dir, 'client-key.pem')}`, '-format=json', 'name=web'], env, '');
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
    const w = await call('POST', 'auth/cert/certs/san', { certificate: h.rootPem, allowed_dns_sans: '*.good.example' });
    assert.equal(w.status, 204, errText(w));
    const bad = await login(await issue('pki', 'svc', { alt_names: 'svc.bad.example' }), { name: 'san' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, ['no chain matching all constraints could be found for this login certificate']);
    const good = await login(await issue('pki', 'svc', { alt_names: 'svc.good.example' }), { name: 'san' });
    assert.equal(good.status, 200, errText(good));
    assert.equal(good.body.auth.metadata.cert_name, 'san');
  });

  it('allowed_uri_sans and allowed_organizational_units bind a mesh identity (SPIFFE URI, OU)', async () => {
    const role = await call('POST', 'pki/roles/mesh', { allow_any_name: true, enforce_hostnames: false, client_flag: true, server_flag: false, max_ttl: '1h', key_type: 'ec', key_bits: 256, allowed_uri_sans: 'spiffe://cluster.local/*', ou: 'Platform' });
    assert.ok([200, 204].includes(role.status), errText(role));
    const meshIssue = async (uri: string) => {
      const r = await call('POST', 'pki/issue/mesh', { common_name: 'svc', uri_sans: uri, ttl: '30m' });
      assert.equal(r.status, 200, errText(r));
      return { cert: r.body.data.certificate as string, key: r.body.data.private_key as string };
    };
    const w = await call('POST', 'auth/cert/certs/mesh', { certificate: h.rootPem, allowed_uri_sans: 'spiffe://cluster.local/ns/app/*', allowed_organizational_units: 'Plat*' });
    assert.equal(w.status, 204, errText(w));
    const good = await login(await meshIssue('spiffe://cluster.local/ns/app/sa/api'), { name: 'mesh' });
    assert.equal(good.status, 200, errText(good));
    const otherNs = await login(await meshIssue('spiffe://cluster.local/ns/db/sa/api'), { name: 'mesh' });
    assert.deepEqual([otherNs.status, otherNs.body.errors], [400, ['no chain matching all constraints could be found for this login certificate']]);
    assert.equal((await call('POST', 'auth/cert/certs/mesh', { certificate: h.rootPem, allowed_uri_sans: 'spiffe://cluster.local/ns/app/*', allowed_organizational_units: 'Finance' })).status, 204);
    const wrongOu = await login(await meshIssue('spiffe://cluster.local/ns/app/sa/api'), { name: 'mesh' });
    assert.deepEqual([wrongOu.status, wrongOu.body.errors], [400, ['no chain matching all constraints could be found for this login certificate']]);
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
    const plain = await api(h.s, 'POST', 'auth/cert/login', { body: {} });
    assert.equal(plain.status, 400);
    assert.deepEqual(plain.body.errors, ['tls connection required']);
  });

  it('a revoked certificate on a CRL written to crls/ is refused', async () => {
    const c = await issue('pki', 'web-2');
    assert.equal((await login(c)).status, 200);
    const rv = await call('POST', 'pki/revoke', { serial_number: c.serial });
    assert.equal(rv.status, 200, errText(rv));
    const crl = await (await fetch(`${h.s.url}/v1/pki/crl/pem`)).text();
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

  it('an expired certificate is refused with the verification error', async () => {
    const c = await issue('pki', 'web-4');
    assert.equal((await login(c)).status, 200);
    h.clock.advance(2 * 3600);
    const r = await login(c);
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0], /^failed to verify client's certificate: x509: certificate has expired or is not yet valid: current time \S+ is after \S+$/);
  });
});
