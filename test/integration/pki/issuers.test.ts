/**
 * The multi-issuer API over real sockets: LIST issuers, issuer/:ref read/update/patch/
 * delete, the unauthenticated pem/der/json fetches, config/issuers and root/replace.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';

describe('PKI issuers', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) =>
    api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }), ...(method === 'PATCH' ? { headers: { 'Content-Type': 'application/merge-patch+json' } } : {}) });
  let idA = '';
  let idB = '';
  let certB = '';

  before(async () => {
    s = await startTestServer();
    assert.equal((await call('POST', 'sys/mounts/pki', { type: 'pki' })).status, 204);
    assert.equal((await call('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '87600h' })).status, 204);
    const a = await call('POST', 'pki/root/generate/internal', { common_name: 'Root A', key_type: 'ec', issuer_name: 'root-a', key_name: 'key-a', ttl: '8760h' });
    assert.equal(a.status, 200, errText(a));
    idA = a.body.data.issuer_id;
    const b = await call('POST', 'pki/root/generate/internal', { common_name: 'Root B', key_type: 'ec', issuer_name: 'root-b', ttl: '8760h' });
    assert.equal(b.status, 200, errText(b));
    idB = b.body.data.issuer_id;
    certB = b.body.data.certificate;
  });
  after(() => s.close());

  it('LIST issuers answers keys and key_info (issuer_name, is_default), also without a token', async () => {
    const r = await call('LIST', 'pki/issuers');
    assert.equal(r.status, 200, errText(r));
    assert.deepEqual([...r.body.data.keys].sort(), [idA, idB].sort());
    assert.equal(r.body.data.key_info[idA].issuer_name, 'root-a');
    assert.equal(r.body.data.key_info[idA].is_default, true);
    assert.equal(r.body.data.key_info[idB].is_default, false);
    assert.match(r.body.data.key_info[idB].serial_number, /^([0-9a-f]{2}:)+[0-9a-f]{2}$/);
    const anon = await api(s, 'LIST', 'pki/issuers');
    assert.equal(anon.status, 200);
    assert.equal(anon.body.data.keys.length, 2);
  });

  it('issuer/:ref reads by name, id or "default" with Vault\'s fields', async () => {
    const byName = await call('GET', 'pki/issuer/root-b');
    assert.equal(byName.status, 200, errText(byName));
    const d = byName.body.data;
    assert.equal(d.issuer_id, idB);
    assert.equal(d.issuer_name, 'root-b');
    assert.equal(d.certificate, certB);
    assert.deepEqual(d.ca_chain, [certB]);
    assert.equal(d.manual_chain, null);
    assert.equal(d.usage, 'crl-signing,issuing-certificates,ocsp-signing,read-only');
    assert.equal(d.revoked, false);
    assert.deepEqual(d.issuing_certificates, []);
    assert.equal(typeof d.key_id, 'string');
    assert.equal((await call('GET', `pki/issuer/${idB}`)).body.data.issuer_name, 'root-b');
    assert.equal((await call('GET', 'pki/issuer/default')).body.data.issuer_id, idA);
  });

  it('an unknown issuer is a 400 with Vault\'s text', async () => {
    const r = await call('GET', 'pki/issuer/nope');
    assert.equal(r.status, 400);
    assert.equal(errText(r), 'unable to find PKI issuer for reference: nope');
  });

  it('issuer/:ref/pem, /der and /json are served without a token', async () => {
    const pem = await fetch(`${s.url}/v1/pki/issuer/root-b/pem`);
    assert.equal(pem.status, 200);
    assert.match(pem.headers.get('content-type') ?? '', /application\/pem-certificate-chain/);
    assert.equal((await pem.text()).trim(), certB);
    const der = await fetch(`${s.url}/v1/pki/issuer/root-b/der`);
    assert.match(der.headers.get('content-type') ?? '', /application\/pkix-cert/);
    assert.equal(new X509Certificate(Buffer.from(await der.arrayBuffer())).fingerprint256, new X509Certificate(certB).fingerprint256);
    const json = await api(s, 'GET', 'pki/issuer/root-b/json');
    assert.equal(json.status, 200);
    assert.deepEqual(json.body.data, { certificate: certB, ca_chain: [certB], issuer_id: idB, issuer_name: 'root-b' });
    assert.equal((await api(s, 'GET', 'pki/issuer/root-b')).status, 403, 'the full read still needs a token');
  });

  it('update refuses a name in use, bad usages and bad leaf behaviour with Vault\'s texts', async () => {
    const dup = await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-a' });
    assert.equal(dup.status, 400);
    assert.equal(errText(dup), 'issuer name already in use');
    const reserved = await call('POST', 'pki/issuer/root-b', { issuer_name: 'Default' });
    assert.equal(errText(reserved), "reserved keyword 'default' can not be used as issuer name");
    const badChars = await call('POST', 'pki/issuer/root-b', { issuer_name: 'has space' });
    assert.equal(errText(badChars), 'issuer name contained invalid characters');
    const usage = await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', usage: 'read-only,signing' });
    assert.equal(usage.status, 400);
    assert.match(errText(usage), /^Unable to parse specified usages: .* - valid values are crl-signing,issuing-certificates,ocsp-signing,read-only$/);
    const leaf = await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', leaf_not_after_behavior: 'sometimes' });
    assert.equal(errText(leaf), 'Unknown value for field `leaf_not_after_behavior`. Possible values are `err`, `truncate`, and `permit`.');
    const sigAlg = await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', revocation_signature_algorithm: 'SHA512WithRSAPSS' });
    assert.equal(sigAlg.status, 400, 'a CRL signature algorithm Ward would not use is refused, not silently ignored');
    assert.match(errText(sigAlg), /revocation_signature_algorithm/);
    assert.equal((await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', revocation_signature_algorithm: '' })).status, 200, 'empty (the default) is accepted');
    const url = await call('POST', 'pki/issuer/root-b', { issuer_name: 'root-b', ocsp_servers: 'not a url' });
    assert.equal(errText(url), 'invalid URL found in Authority Information Access (AIA) parameter ocsp_servers: not a url');
    assert.equal((await call('GET', 'pki/issuer/root-b')).status, 200, 'nothing was changed by the refused writes');
  });

  it('POST replaces the settings, PATCH changes only the fields given', async () => {
    const w = await call('POST', 'pki/issuer/root-b', { issuer_name: 'renamed', usage: 'crl-signing', leaf_not_after_behavior: 'err', issuing_certificates: 'https://ward.test/v1/pki/issuer/renamed/der' });
    assert.equal(w.status, 200, errText(w));
    assert.equal(w.body.data.issuer_name, 'renamed');
    assert.equal(w.body.data.usage, 'crl-signing,read-only');
    assert.equal(w.body.data.leaf_not_after_behavior, 'err');
    assert.deepEqual(w.body.data.issuing_certificates, ['https://ward.test/v1/pki/issuer/renamed/der']);
    const p = await call('PATCH', 'pki/issuer/renamed', { leaf_not_after_behavior: 'permit' });
    assert.equal(p.status, 200, errText(p));
    assert.equal(p.body.data.issuer_name, 'renamed');
    assert.equal(p.body.data.usage, 'crl-signing,read-only');
    assert.equal(p.body.data.leaf_not_after_behavior, 'permit');
    const again = await call('POST', 'pki/issuer/renamed', { issuer_name: 'root-b' });
    assert.equal(again.body.data.usage, 'crl-signing,issuing-certificates,ocsp-signing,read-only', 'POST without usage restores the default');
    assert.deepEqual(again.body.data.issuing_certificates, []);
  });

  it('config/issuers sets the default; root/replace defaults to the issuer named "next"', async () => {
    assert.deepEqual((await call('GET', 'pki/config/issuers')).body.data, { default: idA, default_follows_latest_issuer: false });
    const set = await call('POST', 'pki/config/issuers', { default: 'root-b' });
    assert.equal(set.status, 200, errText(set));
    assert.deepEqual(set.body.data, { default: idB, default_follows_latest_issuer: false });
    assert.equal((await call('GET', 'pki/issuer/default')).body.data.issuer_id, idB);
    const bad = await call('POST', 'pki/config/issuers', { default: 'default' });
    assert.equal(errText(bad), "Invalid issuer specification; must be non-empty and can't be 'default'.");
    const noNext = await call('POST', 'pki/root/replace', {});
    assert.equal(noNext.status, 400);
    assert.equal(errText(noNext), 'Error resolving issuer reference: unable to find PKI issuer for reference: next');
    assert.equal((await call('POST', 'pki/issuer/root-a', { issuer_name: 'next' })).status, 200);
    const replaced = await call('POST', 'pki/root/replace', {});
    assert.equal(replaced.status, 200, errText(replaced));
    assert.equal(replaced.body.data.default, idA);
    assert.equal((await call('POST', 'pki/issuer/next', { issuer_name: 'root-a' })).status, 200);
  });

  it('default_follows_latest_issuer makes a new root the default', async () => {
    assert.equal((await call('POST', 'pki/config/issuers', { default: 'root-a', default_follows_latest_issuer: true })).status, 200);
    const c = await call('POST', 'pki/root/generate/internal', { common_name: 'Root C', key_type: 'ec', issuer_name: 'root-c', ttl: '8760h' });
    assert.equal(c.status, 200, errText(c));
    assert.equal((await call('GET', 'pki/config/issuers')).body.data.default, c.body.data.issuer_id);
    assert.equal((await call('POST', 'pki/config/issuers', { default: 'root-a', default_follows_latest_issuer: false })).status, 200);
  });

  it('deleting the default issuer warns and clears the default; an unknown one is a no-op', async () => {
    const del = await call('DELETE', 'pki/issuer/root-a');
    assert.equal(del.status, 200, errText(del));
    assert.ok(
      (del.body.warnings as string[]).some((w) => w === `Deleted issuer ${idA} (via issuer_ref root-a); this was configured as the default issuer. Operations without an explicit issuer will not work until a new default is configured.`),
      JSON.stringify(del.body.warnings),
    );
    assert.equal((await call('GET', 'pki/config/issuers')).body.data.default, '');
    assert.equal((await call('GET', 'pki/issuer/root-a')).status, 400);
    assert.ok(!(await call('LIST', 'pki/issuers')).body.data.keys.includes(idA));
    assert.equal((await call('DELETE', 'pki/issuer/root-a')).status, 204);
    const noDefault = await call('GET', 'pki/issuer/default');
    assert.equal(noDefault.status, 400);
    assert.equal(errText(noDefault), 'no default issuer currently configured');
  });
  it('root/rotate names the new root "next" (when free) and leaves the default alone; issuers/generate/* alias the generators', async () => {
    const first = await call('POST', 'pki/root/rotate/internal', { common_name: 'Rotated', key_type: 'ec', ttl: '8760h' });
    assert.equal(first.status, 200, errText(first));
    assert.equal(first.body.data.issuer_name, 'next');
    const dflt = (await call('GET', 'pki/config/issuers')).body.data.default;
    const second = await call('POST', 'pki/root/rotate/internal', { common_name: 'Rotated again', key_type: 'ec', ttl: '8760h' });
    assert.equal(second.status, 200, errText(second));
    assert.equal(second.body.data.issuer_name, '', '"next" is taken, so the second rotation has no name');
    assert.equal((await call('GET', 'pki/config/issuers')).body.data.default, dflt, 'rotating does not switch the default');
    const replaced = await call('POST', 'pki/root/replace', {});
    assert.equal(replaced.body.data.default, first.body.data.issuer_id);

    const gen = await call('POST', 'pki/issuers/generate/root/internal', { common_name: 'Generated', key_type: 'ec', issuer_name: 'generated', ttl: '8760h' });
    assert.equal(gen.status, 200, errText(gen));
    assert.equal(gen.body.data.issuer_name, 'generated');
    assert.ok(new X509Certificate(gen.body.data.certificate).ca);
    const csr = await call('POST', 'pki/issuers/generate/intermediate/internal', { common_name: 'Generated Int', key_type: 'ec', key_name: 'gen-int' });
    assert.equal(csr.status, 200, errText(csr));
    assert.match(csr.body.data.csr, /BEGIN CERTIFICATE REQUEST/);
    assert.equal(csr.body.data.key_name, 'gen-int');
  });
});
