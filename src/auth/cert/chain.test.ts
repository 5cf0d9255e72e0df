import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
import * as x509 from '@peculiar/x509';
import { ChainError, verifyChains } from './chain.js';
import { parseCert, type ParsedCert } from './parsed-cert.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 86_400_000;

async function cert(o: { subject: string; issuer: string; ca: boolean; keys: CryptoKeyPair; signer: CryptoKey; serial: string; notAfter?: Date; eku?: string[] }): Promise<ParsedCert> {
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(o.ca, undefined, true)];
  if (o.eku) extensions.push(new x509.ExtendedKeyUsageExtension(o.eku));
  const c = await x509.X509CertificateGenerator.create({
    serialNumber: o.serial,
    subject: o.subject,
    issuer: o.issuer,
    notBefore: new Date(Date.now() - day),
    notAfter: o.notAfter ?? new Date(Date.now() + day),
    publicKey: o.keys.publicKey,
    signingKey: o.signer,
    signingAlgorithm: ALG,
    extensions,
  });
  return parseCert(new Uint8Array(c.rawData));
}

const keys = () => webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

describe('verifyChains', () => {
  it('builds leaf → intermediate → root; no chain without the intermediate or to another root', async () => {
    const rootK = await keys();
    const midK = await keys();
    const leafK = await keys();
    const root = await cert({ subject: 'CN=root', issuer: 'CN=root', ca: true, keys: rootK, signer: rootK.privateKey, serial: '01' });
    const mid = await cert({ subject: 'CN=mid', issuer: 'CN=root', ca: true, keys: midK, signer: rootK.privateKey, serial: '02' });
    const leaf = await cert({ subject: 'CN=leaf', issuer: 'CN=mid', ca: false, keys: leafK, signer: midK.privateKey, serial: '03', eku: ['1.3.6.1.5.5.7.3.2'] });
    const now = new Date();
    assert.deepEqual(verifyChains(leaf, [mid], [root], now).map((ch) => ch.map((c) => c.commonName)), [['leaf', 'mid', 'root']]);
    assert.deepEqual(verifyChains(leaf, [], [root], now), []);
    const otherK = await keys();
    const other = await cert({ subject: 'CN=root', issuer: 'CN=root', ca: true, keys: otherK, signer: otherK.privateKey, serial: '04' });
    assert.deepEqual(verifyChains(leaf, [mid], [other], now), [], 'a root of the same name but another key');
  });

  it('a server-only leaf is an incompatible key usage; an expired leaf is an error naming both times', async () => {
    const rootK = await keys();
    const root = await cert({ subject: 'CN=root', issuer: 'CN=root', ca: true, keys: rootK, signer: rootK.privateKey, serial: '01' });
    const server = await cert({ subject: 'CN=s', issuer: 'CN=root', ca: false, keys: await keys(), signer: rootK.privateKey, serial: '05', eku: ['1.3.6.1.5.5.7.3.1'] });
    assert.throws(() => verifyChains(server, [], [root], new Date()), new ChainError('x509: certificate specifies an incompatible key usage'));
    const old = await cert({ subject: 'CN=o', issuer: 'CN=root', ca: false, keys: await keys(), signer: rootK.privateKey, serial: '06', notAfter: new Date(Date.now() - 1000) });
    assert.throws(
      () => verifyChains(old, [], [root], new Date()),
      (e: unknown) => e instanceof ChainError && /^x509: certificate has expired or is not yet valid: current time \S+Z is after \S+Z$/.test(e.message),
    );
  });

  it('intermediates that all sign each other hit the signature-check budget instead of trying every ordering', async () => {
    const k = await keys();
    const loop: ParsedCert[] = [];
    for (let i = 0; i < 12; i++) loop.push(await cert({ subject: 'CN=loop', issuer: 'CN=loop', ca: true, keys: k, signer: k.privateKey, serial: `1${i.toString(16)}` }));
    const leaf = await cert({ subject: 'CN=leaf', issuer: 'CN=loop', ca: false, keys: await keys(), signer: k.privateKey, serial: '07' });
    const rootK = await keys();
    const root = await cert({ subject: 'CN=root', issuer: 'CN=root', ca: true, keys: rootK, signer: rootK.privateKey, serial: '01' });
    assert.throws(() => verifyChains(leaf, loop, [root], new Date()), /signature check attempts limit reached/);
  });
});
