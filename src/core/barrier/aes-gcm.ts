/**
 * The barrier's ciphertext format and the two functions that produce and read it.
 *
 * Layout: `[version:1][term:uint32 BE][nonce:12][ciphertext][tag:16]`. The term names the
 * keyring key that sealed the value, so rotation never has to rewrite old values. The
 * caller passes the storage key as AAD: a ciphertext copied to another key fails to open,
 * which stops an attacker with write access to the physical store from swapping records.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { zeroize } from '../../lib/secure.js';

/** First byte of every value this module writes; bump it if the layout ever changes. */
export const FORMAT_VERSION = 1;
/** AES-256 only: the key length every keyring and root key must have. */
export const KEY_BYTES = 32;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 4 + NONCE_BYTES;

/** Thrown when a value cannot be opened; carries no key or plaintext material. */
export class DecryptError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DecryptError';
  }
}

/**
 * Encrypts `plaintext` under `key` (32 bytes), binding `aad` (normally the storage key).
 * A fresh random nonce per call: with 96-bit nonces the collision bound stays far away
 * for the write volumes a single keyring term will see (and rotation resets it).
 */
/**
 * Nonces come from a pooled buffer of CSPRNG bytes, each 12-byte slice handed out once:
 * a randomBytes call per encryption cost more than the AES itself on the write path.
 */
const NONCE_POOL = 512;
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;
function nextNonce(): Buffer {
  if (nonceOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * NONCE_POOL);
    nonceOffset = 0;
  }
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

export function encrypt(key: Buffer, term: number, plaintext: Buffer, aad: string): Buffer {
  if (key.length !== KEY_BYTES) throw new Error(`barrier key must be ${KEY_BYTES} bytes`);
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt8(FORMAT_VERSION, 0);
  header.writeUInt32BE(term, 1);
  nextNonce().copy(header, 5);
  const cipher = createCipheriv('aes-256-gcm', key, header.subarray(5), { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = cipher.update(plaintext);
  cipher.final(); // GCM is a stream mode: final() only computes the tag
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** Reads the key term a ciphertext was sealed under, without decrypting it. */
export function termOf(blob: Buffer): number {
  if (blob.length < HEADER_BYTES + TAG_BYTES) throw new DecryptError('ciphertext too short');
  if (blob.readUInt8(0) !== FORMAT_VERSION) throw new DecryptError('unknown ciphertext version');
  return blob.readUInt32BE(1);
}

/**
 * Opens a value sealed by {@link encrypt}. `keyFor` maps the stored term to a key; any
 * mismatch (unknown term, wrong key, tampered bytes, different AAD) is a DecryptError.
 */
export function decrypt(keyFor: (term: number) => Buffer | undefined, blob: Buffer, aad: string): Buffer {
  const term = termOf(blob);
  const key = keyFor(term);
  if (key === undefined) throw new DecryptError(`no key for term ${term}`);
  const nonce = blob.subarray(5, HEADER_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const body = blob.subarray(HEADER_BYTES, blob.length - TAG_BYTES);
  let head: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    head = decipher.update(body);
    decipher.final(); // GCM emits nothing here; it only verifies the tag
    return head;
  } catch {
    // update() already produced unauthenticated plaintext: never let it linger.
    zeroize(head);
    // OpenSSL's own message says nothing useful and we never want to echo internals.
    throw new DecryptError('message authentication failed');
  }
}
