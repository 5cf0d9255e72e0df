import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { computedParents } from './chain.js';
import type { Issuer } from './store.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_EXT = () => [new x509.BasicConstraintsExtension(true, undefined, true)];

async function ca(name: string, parent?: { name: string; keys: webcrypto.CryptoKeyPair }) {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const base = { serialNumber: '01', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3600_000), signingAlgorithm: EC, extensions: CA_EXT() };
  const cert = parent
    ? await x509.X509CertificateGenerator.create({ ...base, subject: `CN=${name}`, issuer: `CN=${parent.name}`, publicKey: keys.publicKey, signingKey: parent.keys.privateKey })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...base, name: `CN=${name}`, keys });
  return { name, keys, pem: cert.toString('pem') };
}

const asIssuer = (id: string, pem: string, parents: string[] = []): Issuer => ({ id, name: id, keyId: '', certificate: pem, parents, serial: '01', notAfter: 0 });

describe('pki chain', () => {
  it('walks up through the mount\'s issuers by name and signature, stops at a root, and falls back to stored parents', async () => {
    const root = await ca('Root');
    const impostor = await ca('Root'); // same name, other key: must not be taken for the parent
    const int = await ca('Int', root);
    const leafCa = await ca('Issuing', int);
    const all = [asIssuer('impostor', impostor.pem), asIssuer('root', root.pem), asIssuer('int', int.pem), asIssuer('issuing', leafCa.pem)];
    assert.deepEqual(computedParents(all[3] as Issuer, all), [int.pem, root.pem]);
    assert.deepEqual(computedParents(all[2] as Issuer, all), [root.pem]);
    assert.deepEqual(computedParents(all[1] as Issuer, all), [], 'a root has no parents');
    const alone = asIssuer('int', int.pem, ['STORED']);
    assert.deepEqual(computedParents(alone, [alone]), ['STORED'], 'set-signed chains are kept when the parent is not in the mount');
  });
});
