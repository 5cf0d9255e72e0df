/**
 * IP SANs are checked wherever a certificate is made, not only on issue: the CA
 * generators passed them to the X.509 encoder, which answered a 500 ("Invalid IPv6
 * address") for text that is not an address, and wrote zoned addresses Go refuses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';

describe('PKI: ip_sans on root and intermediate generation', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    assert.equal((await api(s, 'POST', 'sys/mounts/pki', { token: s.rootToken, body: { type: 'pki' } })).status, 204);
  });
  after(() => s.close());

  for (const path of ['pki/root/generate/internal', 'pki/intermediate/generate/internal']) {
    for (const bad of ['fz', '1.2.3', '::g', '../../etc/passwd', 'fe80::1%eth0']) {
      it(`${path} refuses ip_sans ${JSON.stringify(bad)} with 400`, async () => {
        const r = await api(s, 'POST', path, { token: s.rootToken, body: { common_name: 'ca.example.com', key_type: 'ec', ip_sans: bad } });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.match(errText(r), /is not a valid IP address/);
      });
    }
  }

  it('a real address is written into the root certificate', async () => {
    await api(s, 'DELETE', 'pki/root', { token: s.rootToken });
    const r = await api(s, 'POST', 'pki/root/generate/internal', { token: s.rootToken, body: { common_name: 'ca.example.com', key_type: 'ec', ip_sans: '10.0.0.1,::1' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const { X509Certificate } = await import('node:crypto');
    const cert = new X509Certificate(r.body.data.certificate as string);
    assert.match(cert.subjectAltName ?? '', /IP Address:10\.0\.0\.1/);
  });
});
