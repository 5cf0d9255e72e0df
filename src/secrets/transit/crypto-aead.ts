/**
 * Symmetric AEAD for transit: AES-GCM (128/256) and ChaCha20-Poly1305, all with a
 * 12-byte nonce and 16-byte tag, laid out as nonce ‖ ciphertext ‖ tag. Derived keys
 * get a per-context key by HKDF-SHA256; convergent keys make the nonce a function of
 * (context, plaintext) so equal inputs give equal ciphertexts.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import type { KeyType } from './key-types.js';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** Go's cipher.AEAD text for any failed open; clients match on it. */
export const AUTH_FAILED = 'cipher: message authentication failed';

/**
 * Nonces come from a pooled CSPRNG buffer: one randomBytes call per 1024 nonces instead
 * of one per encryption (each call costs more than the AES itself). Every slice is
 * copied out and handed out exactly once.
 */
const POOL_NONCES = 1024;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function freshNonce(): Buffer {
  if (poolOffset + NONCE_BYTES > pool.length) {
    pool = randomBytes(NONCE_BYTES * POOL_NONCES);
    poolOffset = 0;
  }
  const nonce = Buffer.from(pool.subarray(poolOffset, poolOffset + NONCE_BYTES));
  pool.fill(0, poolOffset, poolOffset + NONCE_BYTES);
  poolOffset += NONCE_BYTES;
  return nonce;
}

type AeadType = Extract<KeyType, 'aes128-gcm96' | 'aes256-gcm96' | 'chacha20-poly1305'>;

function algorithm(type: AeadType): CipherGCMTypes | 'chacha20-poly1305' {
  if (type === 'aes128-gcm96') return 'aes-128-gcm';
  if (type === 'aes256-gcm96') return 'aes-256-gcm';
  return 'chacha20-poly1305';
}

/** Per-context key: HKDF-SHA256 over the version's key, with the context as info. */
export function deriveKey(master: Buffer, context: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), context, length));
}

/** Deterministic nonce for convergent encryption: HMAC-SHA256(key, context ‖ plaintext), truncated. */
export function convergentNonce(key: Buffer, context: Buffer, plaintext: Buffer): Buffer {
  return createHmac('sha256', key).update(context).update(plaintext).digest().subarray(0, NONCE_BYTES);
}

export function aeadSeal(type: AeadType, key: Buffer, plaintext: Buffer, aad: Buffer | null, nonce?: Buffer): Buffer {
  const iv = nonce ?? freshNonce();
  // The chacha20-poly1305 overload of createCipheriv needs authTagLength; GCM accepts it too.
  const cipher = createCipheriv(algorithm(type) as 'aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (aad && aad.length > 0) cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

export function aeadOpen(type: AeadType, key: Buffer, sealed: Buffer, aad: Buffer | null): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw badRequest(AUTH_FAILED);
  const iv = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(algorithm(type) as 'aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (aad && aad.length > 0) decipher.setAAD(aad, { plaintextLength: body.length });
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw badRequest(AUTH_FAILED);
  }
}

export function isAeadType(t: KeyType): t is AeadType {
  return t === 'aes128-gcm96' || t === 'aes256-gcm96' || t === 'chacha20-poly1305';
}
