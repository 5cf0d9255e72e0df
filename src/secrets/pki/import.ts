/**
 * Importing CA material: private keys and CA certificates, each idempotent (the same key
 * or certificate imported again resolves to the existing entry), linking certificates to
 * the keys they certify as Vault's importKey/importIssuer do.
 */
import { createPrivateKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { uuid } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';
import { putJSON, type Storage } from '../../sdk/storage.js';
import { colonSerial } from './format.js';
import { describeKey, publicKeyDerOf, samePublicKey } from './keys.js';
import { ALL_USAGES, listKeys, noteNewKey } from './registry.js';
import { issuerPath, keyPath, listIssuers, type Issuer, type StoredKey } from './store.js';

/** How a PEM bundle splits, as Vault's pathImportIssuers sorts blocks by label. */
export interface SplitBundle {
  certs: string[];
  keys: string[];
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Splits a PEM bundle into certificates and keys, ignoring CRLs and EC parameters. */
export function splitBundle(text: string): SplitBundle {
  const out: SplitBundle = { certs: [], keys: [] };
  const blocks = [...text.matchAll(BLOCK)];
  if (blocks.length === 0) throw badRequest('provided PEM block contained no data');
  for (const m of blocks) {
    const label = m[1] ?? '';
    if (label === 'CERTIFICATE' || label === 'X509 CERTIFICATE') out.certs.push(m[0].trim());
    else if (label === 'CRL' || label === 'X509 CRL' || label === 'EC PARAMS' || label === 'EC PARAMETERS') continue;
    else out.keys.push(m[0]);
  }
  return out;
}

/** Clients pass a file name instead of its contents often enough that Vault says so. */
export function assertLongEnough(pem: string, min: number): void {
  if (pem.length < min) throw badRequest('provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file');
}

/** Parses and stores a private key; the same public key imported again is the existing entry. */
export async function importKey(s: Storage, pem: string, name: string): Promise<{ key: StoredKey; existed: boolean }> {
  let privateKeyPem: string;
  let described: ReturnType<typeof describeKey>;
  try {
    const k = createPrivateKey(pem);
    described = describeKey(k);
    if (described.type === 'ec' && described.bits === 0) throw new Error('unsupported elliptic curve');
    privateKeyPem = k.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (e) {
    // Node's decoder messages carry no key material; ours name only the algorithm.
    throw badRequest(`unable to parse private key: ${e instanceof Error ? e.message : String(e)}`);
  }
  const spki = publicKeyDerOf(privateKeyPem);
  const existing = (await listKeys(s)).find((k) => samePublicKey(publicKeyDerOf(k.privateKeyPem), spki));
  if (existing) return { key: existing, existed: true };
  const key: StoredKey = { id: uuid(), name, type: described.type, bits: described.bits, privateKeyPem };
  await putJSON(s, keyPath(key.id), key);
  await noteNewKey(s, key);
  // Issuers imported before their key get linked to it now.
  for (const i of await listIssuers(s)) {
    if (!i.keyId && samePublicKey(Buffer.from(new x509.X509Certificate(i.certificate).publicKey.rawData), spki)) {
      await putJSON(s, issuerPath(i.id), { ...i, keyId: key.id });
    }
  }
  return { key, existed: false };
}

/** All usages, less crl-signing when the certificate's key usage lacks cRLSign (as Vault's importIssuer). */
export function usageForCert(cert: x509.X509Certificate): string[] {
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const crlSign = !ku || (ku.usages & x509.KeyUsageFlags.cRLSign) !== 0;
  return ALL_USAGES.filter((u) => crlSign || u !== 'crl-signing');
}

/** Parses and stores a CA certificate as an issuer (keyless unless a stored key matches). */
export async function importIssuerCert(s: Storage, pem: string): Promise<{ issuer: Issuer; existed: boolean }> {
  let cert: x509.X509Certificate;
  let isCa: boolean;
  try {
    cert = new x509.X509Certificate(pem);
    isCa = cert.getExtension(x509.BasicConstraintsExtension)?.ca === true; // extensions parse lazily, and may fail here
  } catch (e) {
    throw badRequest(`unable to parse certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isCa) throw badRequest('Refusing to import non-CA certificate');
  const raw = Buffer.from(cert.rawData);
  const issuers = await listIssuers(s);
  const same = issuers.find((i) => Buffer.from(new x509.X509Certificate(i.certificate).rawData).equals(raw));
  if (same) return { issuer: same, existed: true };
  const spki = Buffer.from(cert.publicKey.rawData);
  const key = (await listKeys(s)).find((k) => samePublicKey(publicKeyDerOf(k.privateKeyPem), spki));
  const issuer: Issuer = {
    id: uuid(),
    name: '',
    keyId: key?.id ?? '',
    certificate: cert.toString('pem'),
    parents: [],
    serial: colonSerial(cert.serialNumber),
    notAfter: cert.notAfter.getTime(),
    usage: usageForCert(cert),
  };
  await putJSON(s, issuerPath(issuer.id), issuer);
  return { issuer, existed: false };
}
