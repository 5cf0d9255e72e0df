/**
 * Asymmetric key material for transit: generation (on the threadpool, through the shared
 * key-generation queue: RSA-4096 takes a while), the public-key and export encodings
 * Vault clients expect, and RSA-OAEP (SHA-256) encryption.
 */
import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { generatePrivateKeyPem as generateKeyPem } from '../../sdk/helpers/keygen.js';
import { KEY_TYPE_INFO, type KeyType } from './key-types.js';

/** A fresh private key as PKCS#8 PEM, the form it is stored in. */
export async function generatePrivateKeyPem(type: KeyType): Promise<string> {
  const info = KEY_TYPE_INFO[type];
  switch (info.family) {
    case 'ed25519':
      return generateKeyPem({ type: 'ed25519' });
    case 'ecdsa':
      return generateKeyPem({ type: 'ec', curve: info.curve ?? 'P-256' });
    case 'rsa':
      return generateKeyPem({ type: 'rsa', bits: info.modulusBits ?? 2048 });
    default:
      throw new Error(`key type ${type} has no asymmetric key`);
  }
}

function ed25519Raw(key: KeyObject, part: 'x' | 'd'): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const v = jwk[part];
  if (typeof v !== 'string') throw new Error('ed25519 key lacks its JWK coordinate');
  return Buffer.from(v, 'base64url');
}

/** Public key as shown in key info and `export/public-key`: raw base64 for ed25519, PKIX PEM otherwise. */
export function publicKeyString(type: KeyType, publicKey: KeyObject): string {
  if (KEY_TYPE_INFO[type].family === 'ed25519') return ed25519Raw(publicKey, 'x').toString('base64');
  return String(publicKey.export({ format: 'pem', type: 'spki' }));
}

/** Private key as `export/encryption-key|signing-key` returns it (PKCS#1, SEC 1, or ed25519 seed ‖ public). */
export function exportPrivateKey(type: KeyType, privateKey: KeyObject, publicKey: KeyObject): string {
  const family = KEY_TYPE_INFO[type].family;
  if (family === 'ed25519') return Buffer.concat([ed25519Raw(privateKey, 'd'), ed25519Raw(publicKey, 'x')]).toString('base64');
  if (family === 'ecdsa') return String(privateKey.export({ format: 'pem', type: 'sec1' }));
  return String(privateKey.export({ format: 'pem', type: 'pkcs1' }));
}

/** Name shown beside each asymmetric version in key info. */
export function keyDisplayName(type: KeyType): string {
  const info = KEY_TYPE_INFO[type];
  return info.curve ?? type;
}

export function rsaEncrypt(publicKey: KeyObject, plaintext: Buffer): Buffer {
  try {
    return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, plaintext);
  } catch {
    throw badRequest('failed to encrypt: plaintext too long for the RSA key');
  }
}

export function rsaDecrypt(privateKey: KeyObject, ciphertext: Buffer): Buffer {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ciphertext);
  } catch {
    throw badRequest('failed to decrypt: crypto/rsa: decryption error');
  }
}
