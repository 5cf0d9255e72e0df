/**
 * PKI revocation over real sockets: config/crl, rotation, delta CRLs and per-issuer CRLs
 * read without a token, and the OCSP responder asked by the openssl CLI (POST, nonce
 * checked, signature verified against the CA) and by the GET form.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';
import { OPENSSL, skipUnless } from '../../helpers/requirement.js';
import { waitFor } from '../../helpers/wait.js';
import { livePeriodicTimers } from '../../../src/secrets/pki/periodic.js';
import { ocspRequest, readOcspResponse } from '../../../src/auth/cert/ocsp.js';
import { parseCert } from '../../../src/auth/cert/parsed-cert.js';
import { children, octets, oid, parseDer, seq, tlv } from '../../../src/lib/der.js';

const pemDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

describe('PKI revocation over HTTP', () => {
  let s: TestServer;
  let dir = '';
  let ca: any; // any: response data asserted field by field
  let leaf: any; // any: as above
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
  const ocspUrl = () => `${s.url}/v1/pki/ocsp`;

  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'ward-pki-rev-'));
    assert.equal((await call('POST', 'sys/mounts/pki', { type: 'pki' })).status, 204);
    assert.equal((await call('POST', 'sys/mounts/pki/tune', { max_lease_ttl: '87600h' })).status, 204);
    const r = await call('POST', 'pki/root/generate/internal', { common_name: 'Rev Root', ttl: '8760h', issuer_name: 'root', key_type: 'ec' });
    assert.equal(r.status, 200, errText(r));
    ca = r.body.data;
    await call('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    leaf = (await call('POST', 'pki/issue/web', { common_name: 'app.example.com', ttl: '1h' })).body.data;
    writeFileSync(join(dir, 'ca.pem'), `${ca.certificate}\n`);
    writeFileSync(join(dir, 'leaf.pem'), `${leaf.certificate}\n`);
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Offline openssl work only: the server runs in this process, so a blocking call to it would never be answered.
  const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const run = promisify(execFile);
  const askOpenssl = async () =>
    (await run('openssl', ['ocsp', '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, 'leaf.pem'), '-url', ocspUrl(), '-CAfile', join(dir, 'ca.pem'), '-resp_text'], { timeout: 30_000 })).stdout;
  it('config/crl answers Vault\'s 400 for a bad value and the config for a good one', async () => {
    const bad = await call('POST', 'pki/config/crl', { expiry: 'whenever' });
    assert.equal(bad.status, 400);
    assert.match(errText(bad), /given expiry could not be decoded/);
    const good = await call('POST', 'pki/config/crl', { auto_rebuild: true, enable_delta: true });
    assert.equal(good.status, 200, errText(good));
    assert.equal(good.body.data.enable_delta, true);
  });

  it('openssl ocsp hears "good" (nonce echoed, signature verified), then "revoked"', { skip: skipUnless(OPENSSL) }, async () => {
    const before = await askOpenssl();
    assert.match(before, /Response verify OK|OCSP Response Status: successful/);
    assert.match(before, new RegExp(`${join(dir, 'leaf.pem').replace(/[/.]/g, '\\$&')}: good`));
    assert.doesNotMatch(before, /WARNING/, 'the nonce comes back');
    assert.match(before, /OCSP Nonce/);
    assert.equal((await call('POST', 'pki/revoke', { serial_number: leaf.serial_number })).status, 200);
    assert.match(await askOpenssl(), /: revoked/);
  });

  it('answers the GET form and a POST of junk without a token', async () => {
    const reqFile = join(dir, 'req.der');
    if (OPENSSL.present()) {
      openssl('ocsp', '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, 'leaf.pem'), '-no_nonce', '-reqout', reqFile);
      const b64 = execFileSync('base64', ['-w0', reqFile], { encoding: 'utf8' });
      const r = await fetch(`${ocspUrl()}/${encodeURIComponent(b64)}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'application/ocsp-response');
      writeFileSync(join(dir, 'resp.der'), Buffer.from(await r.arrayBuffer()));
      const text = openssl('ocsp', '-respin', join(dir, 'resp.der'), '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, 'leaf.pem'), '-CAfile', join(dir, 'ca.pem'), '-no_nonce');
      assert.match(text, /: (good|revoked)/);
    }
    // A nonce of 0xff bytes puts runs of "/" in the base64; sent unescaped, the path must survive intact.
    const leafCert = parseCert(pemDer(leaf.certificate));
    const caCert = parseCert(pemDer(ca.certificate));
    const plain = ocspRequest(leafCert, caCert);
    const tbs = children(children(parseDer(plain).value)[0]!.value);
    const withNonce = seq(seq(...tbs.map((t) => t.raw), tlv(0xa2, seq(seq(oid('1.3.6.1.5.5.7.48.1.2'), octets(octets(Buffer.alloc(18, 0xff))))))));
    const b64 = withNonce.toString('base64');
    assert.match(b64, /\/\//);
    const slashy = await fetch(`${ocspUrl()}/${b64}`);
    assert.equal(slashy.status, 200);
    assert.notEqual(readOcspResponse(Buffer.from(await slashy.arrayBuffer()), leafCert, caCert, new Date()), null);
    const junk = await fetch(ocspUrl(), { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: 'not der' });
    assert.equal(junk.status, 400);
    assert.deepEqual(Buffer.from(await junk.arrayBuffer()), Buffer.from('30030a0101', 'hex'));
  });

  it('serves delta and per-issuer CRLs without a token; openssl sees the Delta CRL Indicator', async () => {
    assert.equal((await call('GET', 'pki/crl/rotate')).status, 200);
    assert.equal((await call('GET', 'pki/crl/rotate-delta')).status, 200);
    for (const p of ['crl/delta', 'crl/delta/pem', `issuer/${ca.issuer_id}/crl/der`, 'issuer/root/crl/pem', 'issuer/default/crl/delta/der']) {
      const r = await fetch(`${s.url}/v1/pki/${p}`);
      assert.equal(r.status, 200, p);
    }
    const json = await fetch(`${s.url}/v1/pki/issuer/root/crl`);
    assert.match(((await json.json()) as { data: { crl: string } }).data.crl, /BEGIN X509 CRL/);
    if (OPENSSL.present()) {
      writeFileSync(join(dir, 'delta.der'), Buffer.from(await (await fetch(`${s.url}/v1/pki/crl/delta`)).arrayBuffer()));
      assert.match(openssl('crl', '-inform', 'DER', '-in', join(dir, 'delta.der'), '-noout', '-text'), /Delta CRL Indicator: critical/);
    }
    const unknown = await fetch(`${s.url}/v1/pki/issuer/nope/crl/pem`);
    assert.equal(unknown.status, 400);
  });

  it('tidy, tidy-status, tidy-cancel and config/auto-tidy answer as Vault over HTTP', async () => {
    const bad = await call('POST', 'pki/tidy', { tidy_cert_store: true, pause_duration: '-5s' });
    assert.equal(bad.status, 400);
    assert.match(errText(bad), /negative pause_duration/);
    const none = await call('POST', 'pki/tidy-cancel');
    assert.equal(none.status, 400);
    assert.match(errText(none), /none is currently running/);
    assert.equal((await call('POST', 'pki/tidy', { tidy_cert_store: true, pause_duration: '5s' })).status, 202);
    const cancel = await call('POST', 'pki/tidy-cancel');
    assert.equal(cancel.status, 200, errText(cancel));
    assert.equal(cancel.body.data.state, 'Cancelling');
    const st = await waitFor('the tidy to stop', async () => {
      const r = await call('GET', 'pki/tidy-status');
      return r.body.data.state === 'Cancelled' ? r.body.data : null;
    });
    assert.equal(st.pause_duration, '5s');
    const auto = await call('POST', 'pki/config/auto-tidy', { enabled: true, tidy_revoked_certs: true, interval_duration: '24h' });
    assert.equal(auto.status, 200, errText(auto));
    assert.equal((await call('GET', 'pki/config/auto-tidy')).body.data.interval_duration, 86400);
  });

  it('the periodic timer lives while the mount is mounted and unsealed, not after unmount or seal', async () => {
    const before = livePeriodicTimers();
    assert.equal((await call('POST', 'sys/mounts/pki2', { type: 'pki' })).status, 204);
    assert.equal(livePeriodicTimers(), before + 1);
    assert.equal((await call('DELETE', 'sys/mounts/pki2')).status, 204);
    assert.equal(livePeriodicTimers(), before);
    assert.ok(before >= 1, 'the pki mount of this suite has one');
    assert.equal((await call('PUT', 'sys/seal')).status, 204);
    assert.equal(livePeriodicTimers(), 0, 'sealing stops every mount\'s timer');
  });
});
