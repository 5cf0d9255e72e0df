/**
 * Encrypt and decrypt with a transit key, whatever its family: AEAD keys (with
 * optional per-context derivation and convergent nonces) and RSA (OAEP-SHA256).
 * Shared by encrypt, decrypt, rewrap and datakey.
 */
import { badRequest, internalError } from '../../sdk/errors.js';
import { aeadOpen, aeadSeal, convergentNonce, deriveKey, isAeadType } from './crypto-aead.js';
import { rsaDecrypt, rsaEncrypt } from './crypto-asymmetric.js';
import { DERIVATION_CONTEXT_REQUIRED } from './context.js';
import { formatVersioned, parseVersioned } from './encoding.js';
import type { KeyVersion, Policy } from './policy.js';

export interface CipherParams {
  /** Derivation context (decoded); empty when none was given. */
  context: Buffer;
  /** Additional authenticated data (decoded); empty when none. */
  aad: Buffer;
  /** Client nonce (decoded); only legacy convergent callers send one. */
  nonce: Buffer;
}

export const NO_PARAMS: CipherParams = { context: Buffer.alloc(0), aad: Buffer.alloc(0), nonce: Buffer.alloc(0) };

function symmetricKey(p: Policy, v: KeyVersion, context: Buffer): Buffer {
  if (!v.key) throw internalError('transit key version lacks key material');
  if (!p.stored.derived) return v.key;
  if (context.length === 0) throw badRequest(DERIVATION_CONTEXT_REQUIRED);
  return deriveKey(v.key, context, v.key.length);
}

export interface Encrypted {
  ciphertext: string;
  keyVersion: number;
}

/** Encrypts with version `keyVersion` (0 = latest), honouring min_encryption_version. */
export function encryptWith(p: Policy, keyVersion: number, plaintext: Buffer, params: CipherParams): Encrypted {
  if (!p.info.supportsEncryption) throw badRequest(`key type ${p.type} does not support encryption`);
  const v = p.useVersion(keyVersion);
  if (p.info.family === 'rsa') {
    if (params.aad.length > 0) throw badRequest(`associated_data is not supported for key type ${p.type}`);
    if (!v.publicKey) throw internalError('transit key version lacks a public key');
    return { ciphertext: formatVersioned(v.version, rsaEncrypt(v.publicKey, plaintext)), keyVersion: v.version };
  }
  if (!isAeadType(p.type)) throw badRequest(`key type ${p.type} does not support encryption`);
  const convergent = p.stored.convergent_encryption;
  if (params.nonce.length > 0 && !convergent) throw badRequest('provided nonce not allowed for this key');
  const key = symmetricKey(p, v, params.context);
  const nonce = convergent ? convergentNonce(key, params.context, plaintext) : undefined;
  return { ciphertext: formatVersioned(v.version, aeadSeal(p.type, key, plaintext, params.aad, nonce)), keyVersion: v.version };
}

/** Decrypts a `vault:vN:` ciphertext; every failure is a 400 with Vault's wording. */
export function decryptWith(p: Policy, ciphertext: string, params: CipherParams): Buffer {
  if (!p.info.supportsDecryption) throw badRequest(`key type ${p.type} does not support decryption`);
  const { version, body } = parseVersioned(ciphertext, 'ciphertext');
  const v = p.openVersion(version, 'ciphertext');
  if (p.info.family === 'rsa') {
    if (!v.privateKey) throw internalError('transit key version lacks a private key');
    return rsaDecrypt(v.privateKey, body);
  }
  if (!isAeadType(p.type)) throw badRequest(`key type ${p.type} does not support decryption`);
  return aeadOpen(p.type, symmetricKey(p, v, params.context), body, params.aad);
}
