/**
 * cert auth `required_extensions` and `allowed_metadata_extensions` over a real TLS
 * listener: a client certificate carrying a private extension (as an internal CA stamps a
 * team or workload ID) logs in only when the extension's value matches the entry's glob,
 * and the value lands in the token's metadata under the OID with dashes, as in Vault.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { errText } from '../../helpers/errors.js';
import { startCertHarness, type CertHarness, type Client } from './cert-harness.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const TEAM_OID = '1.3.6.1.4.1.55555.1.1';
const utf8 = (s: string): ArrayBuffer => {
  const b = Buffer.from(s, 'utf8');
  return new Uint8Array(Buffer.concat([Buffer.from([0x0c, b.length]), b])).buffer;
};
const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`;

async function makeTeamCa() {
  const caKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 3_600_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a01', name: 'CN=team-ca', notBefore, notAfter, keys: caKeys, signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  let n = 2;
  const client = async (team: string | null): Promise<Client> => {
    const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: `0a0${n++}`, subject: 'CN=svc', issuer: ca.subject, notBefore, notAfter, signingKey: caKeys.privateKey, publicKey: keys.publicKey, signingAlgorithm: EC,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        ...(team === null ? [] : [new x509.Extension(TEAM_OID, false, utf8(team))]),
      ],
    });
    return { cert: cert.toString('pem'), key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
  };
  return { certPem: ca.toString('pem'), client };
}

describe('cert auth method: required_extensions', () => {
  let h: CertHarness;
  before(async () => {
    h = await startCertHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('admits only certificates whose extension value matches, and maps it into metadata', async () => {
    const ca = await makeTeamCa();
    const w = await h.call('POST', 'auth/cert/certs/team', { certificate: ca.certPem, required_extensions: `${TEAM_OID}:team-*`, allowed_metadata_extensions: TEAM_OID });
    assert.equal(w.status, 204, errText(w));
    const ok = await h.login(await ca.client('team-blue'), { name: 'team' });
    assert.equal(ok.status, 200, errText(ok));
    assert.equal(ok.body.auth.metadata[TEAM_OID.replace(/\./g, '-')], 'team-blue');
    const denied = 'no chain matching all constraints could be found for this login certificate';
    for (const c of [await ca.client('ops'), await ca.client(null)]) {
      const r = await h.login(c, { name: 'team' });
      assert.deepEqual([r.status, r.body.errors], [400, [denied]]);
    }
  });
});
