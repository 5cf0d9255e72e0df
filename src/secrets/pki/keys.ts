/**
 * Key material for the PKI engine: generation (on the threadpool, through the shared
 * key-generation queue: an RSA-8192 key takes seconds), PEM export in the formats Vault
 * hands out, and import into WebCrypto so @peculiar/x509 can sign.
 * Private keys only ever live in mount storage (encrypted by the barrier) as PKCS#8 PEM.
 */
import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { badRequest } from '../../sdk/errors.js';
import { generatePrivateKeyPem } from '../../sdk/helpers/keygen.js';

// Node's WebCrypto is the provider; setting it once at module load is idempotent.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type KeyType = 'rsa' | 'ec' | 'ed25519';
export const KEY_TYPES: readonly string[] = ['rsa', 'ec', 'ed25519'];

/** Vault's accepted RSA sizes for PKI roles and issuers; 8192 is the ceiling. */
const RSA_BITS = [2048, 3072, 4096, 8192];
const EC_CURVES: Record<number, 'P-256' | 'P-384' | 'P-521'> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };

/** Resolves a requested key size to a concrete one (0 = the type's default), or throws a 400. */
export function normalizeKeyBits(type: string, bits: number): number {
  switch (type) {
    case 'rsa':
      if (bits === 0) return 2048;
      if (!RSA_BITS.includes(bits)) throw badRequest(`unsupported bit length for RSA key: ${bits}`);
      return bits;
    case 'ec':
      if (bits === 0) return 256;
      if (!EC_CURVES[bits]) throw badRequest(`unsupported bit length for EC key: ${bits}`);
      return bits;
    case 'ed25519':
      return 0;
    default:
      throw badRequest(`unknown key type "${type}"; must be one of rsa, ec, ed25519`);
  }
}

export interface GeneratedKey {
  type: KeyType;
  bits: number;
  /** PKCS#8 PEM: the storage form. */
  privateKeyPem: string;
}

export async function generateKey(type: KeyType, requestedBits: number): Promise<GeneratedKey> {
  const bits = normalizeKeyBits(type, requestedBits);
  const privateKeyPem =
    type === 'rsa'
      ? await generatePrivateKeyPem({ type: 'rsa', bits })
      : type === 'ec'
        ? await generatePrivateKeyPem({ type: 'ec', curve: EC_CURVES[bits] ?? 'P-256' })
        : await generatePrivateKeyPem({ type: 'ed25519' });
  return { type, bits, privateKeyPem };
}

/** Type and size of a public or private key object. */
export function describeKey(k: KeyObject): { type: KeyType; bits: number } {
  const t = k.asymmetricKeyType;
  const d = k.asymmetricKeyDetails ?? {};
  if (t === 'rsa') return { type: 'rsa', bits: d.modulusLength ?? 0 };
  if (t === 'ec') {
    const curve = d.namedCurve ?? '';
    const bits = curve === 'prime256v1' || curve === 'P-256' ? 256 : curve === 'secp384r1' || curve === 'P-384' ? 384 : curve === 'secp521r1' || curve === 'P-521' ? 521 : 0;
    return { type: 'ec', bits };
  }
  if (t === 'ed25519') return { type: 'ed25519', bits: 0 };
  throw badRequest(`unsupported key algorithm "${t ?? 'unknown'}"`);
}

/**
 * The private key as clients receive it: PKCS#1 for RSA and SEC1 for EC (Vault's
 * default `private_key_format`), PKCS#8 for Ed25519 or when asked for.
 */
export function exportPrivateKey(privateKeyPem: string, pkcs8 = false): string {
  const k = createPrivateKey(privateKeyPem);
  const { type } = describeKey(k);
  if (pkcs8 || type === 'ed25519') return k.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd();
  return k.export({ type: type === 'rsa' ? 'pkcs1' : 'sec1', format: 'pem' }).toString().trimEnd();
}

/** SubjectPublicKeyInfo DER of a private key. */
export function publicKeyDerOf(privateKeyPem: string): Buffer {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
}

type WebKey = webcrypto.CryptoKey;

export interface Signer {
  privateKey: WebKey;
  publicKey: WebKey;
  /** The signature algorithm @peculiar/x509 should use with this key. */
  algorithm: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
}

/** Imports a stored key into WebCrypto for signing certificates, CSRs and CRLs. */
export async function importSigner(privateKeyPem: string): Promise<Signer> {
  const priv = createPrivateKey(privateKeyPem);
  const { type, bits } = describeKey(priv);
  const pkcs8 = priv.export({ type: 'pkcs8', format: 'der' });
  const spki = publicKeyDerOf(privateKeyPem);
  let importAlg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm;
  let algorithm: Signer['algorithm'];
  if (type === 'rsa') {
    importAlg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    algorithm = importAlg;
  } else if (type === 'ec') {
    importAlg = { name: 'ECDSA', namedCurve: EC_CURVES[bits] ?? 'P-256' };
    algorithm = { name: 'ECDSA', hash: bits === 384 ? 'SHA-384' : bits === 521 ? 'SHA-512' : 'SHA-256' };
  } else {
    importAlg = { name: 'Ed25519' };
    algorithm = importAlg;
  }
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, importAlg, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, importAlg, true, ['verify']);
  return { privateKey, publicKey, algorithm };
}

/** True when two DER SPKI blobs are the same public key. */
export function samePublicKey(a: Buffer | ArrayBuffer, b: Buffer | ArrayBuffer): boolean {
  return Buffer.from(a as ArrayBuffer).equals(Buffer.from(b as ArrayBuffer));
}
