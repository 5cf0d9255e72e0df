/**
 * The transit key types and what each can do. The family decides which crypto module
 * handles a key; the capability flags are reported verbatim in key info.
 */

export const KEY_TYPES = [
  'aes128-gcm96',
  'aes256-gcm96',
  'chacha20-poly1305',
  'ed25519',
  'ecdsa-p256',
  'ecdsa-p384',
  'ecdsa-p521',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'hmac',
] as const;

export type KeyType = (typeof KEY_TYPES)[number];

export type KeyFamily = 'aead' | 'ed25519' | 'ecdsa' | 'rsa' | 'hmac';

export interface KeyTypeInfo {
  family: KeyFamily;
  /** Symmetric key length in bytes (AEAD); HMAC keys use `key_size` instead. */
  keyBytes?: number;
  /** node:crypto named curve (ECDSA) and the name Vault shows in key info. */
  curve?: 'P-256' | 'P-384' | 'P-521';
  /** RSA modulus length in bits. */
  modulusBits?: number;
  supportsEncryption: boolean;
  supportsDecryption: boolean;
  supportsDerivation: boolean;
  supportsSigning: boolean;
}

const aead = (keyBytes: number): KeyTypeInfo => ({
  family: 'aead',
  keyBytes,
  supportsEncryption: true,
  supportsDecryption: true,
  supportsDerivation: true,
  supportsSigning: false,
});

const ecdsa = (curve: 'P-256' | 'P-384' | 'P-521'): KeyTypeInfo => ({
  family: 'ecdsa',
  curve,
  supportsEncryption: false,
  supportsDecryption: false,
  supportsDerivation: false,
  supportsSigning: true,
});

const rsa = (modulusBits: number): KeyTypeInfo => ({
  family: 'rsa',
  modulusBits,
  supportsEncryption: true,
  supportsDecryption: true,
  supportsDerivation: false,
  supportsSigning: true,
});

export const KEY_TYPE_INFO: Readonly<Record<KeyType, KeyTypeInfo>> = {
  'aes128-gcm96': aead(16),
  'aes256-gcm96': aead(32),
  'chacha20-poly1305': aead(32),
  ed25519: {
    family: 'ed25519',
    supportsEncryption: false,
    supportsDecryption: false,
    // Vault derives per-context ed25519 keys; Ward does not (yet), so it is not advertised.
    supportsDerivation: false,
    supportsSigning: true,
  },
  'ecdsa-p256': ecdsa('P-256'),
  'ecdsa-p384': ecdsa('P-384'),
  'ecdsa-p521': ecdsa('P-521'),
  'rsa-2048': rsa(2048),
  'rsa-3072': rsa(3072),
  'rsa-4096': rsa(4096),
  hmac: {
    family: 'hmac',
    supportsEncryption: false,
    supportsDecryption: false,
    supportsDerivation: false,
    supportsSigning: false,
  },
};

export function isKeyType(s: string): s is KeyType {
  return (KEY_TYPES as readonly string[]).includes(s);
}

/** Default and bounds for `key_size` of hmac keys, in bytes. */
export const HMAC_KEY_SIZE = { default: 32, min: 32, max: 512 } as const;

/** Length of the per-version HMAC key every key type carries (used by transit/hmac). */
export const HMAC_SUBKEY_BYTES = 32;
