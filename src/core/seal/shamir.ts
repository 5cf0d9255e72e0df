/**
 * Unseal-key shares: Vault's parameter rules, the hex/base64 key encoding operators paste,
 * and a thin wrapper over the audited `shamir-secret-sharing` library (GF(2^8), one extra
 * x-coordinate byte per share). No secret sharing maths lives here.
 */
import { combine, split } from 'shamir-secret-sharing';
import { badRequest } from '../../sdk/errors.js';
import { zeroize } from '../../lib/secure.js';

/** Length of the unseal key (and of a share-less key when shares = 1). */
export const UNSEAL_KEY_BYTES = 32;
/** Length of one Shamir share of the unseal key. */
export const SHARE_BYTES = UNSEAL_KEY_BYTES + 1;

/**
 * Checks `secret_shares` / `secret_threshold` with Vault's rules and wording, so clients
 * that match on the text keep working. Throws a 400 WardError. `what` names the key set
 * (`recovery` for an auto seal's recovery keys).
 */
export function validateSealParams(shares: number, threshold: number, what: 'seal' | 'recovery' | 'rekey seal' = 'seal'): void {
  const fail = (why: string) => badRequest(`invalid ${what} configuration: ${why}`);
  if (!Number.isInteger(shares)) throw fail('shares must be an integer');
  if (!Number.isInteger(threshold)) throw fail('threshold must be an integer');
  if (shares < 1) throw fail('shares must be at least one');
  if (threshold < 1) throw fail('threshold must be at least one');
  if (shares > 1 && threshold === 1) throw fail('threshold must be greater than one for multiple shares');
  if (shares > 255) throw fail('shares must be less than 256');
  if (threshold > 255) throw fail('threshold must be less than 256');
  if (threshold > shares) throw fail('threshold cannot be larger than shares');
}

/** Splits `key` into shares; with one share the key itself is returned (as a copy). */
export async function splitKey(key: Buffer, shares: number, threshold: number): Promise<Buffer[]> {
  if (shares === 1) return [Buffer.from(key)];
  const parts = await split(new Uint8Array(key), shares, threshold);
  return parts.map((p) => {
    const b = Buffer.from(p);
    zeroize(p);
    return b;
  });
}

/**
 * Rebuilds the key from shares. Fewer than the threshold, or shares of different splits,
 * yield a wrong key rather than an error (that is how Shamir works); the caller detects it
 * by failing to decrypt. Throws only on malformed input (e.g. repeated x-coordinates).
 */
export async function combineShares(shares: Buffer[]): Promise<Buffer> {
  if (shares.length === 1) return Buffer.from(shares[0] as Buffer);
  const out = await combine(shares.map((s) => new Uint8Array(s)));
  const key = Buffer.from(out);
  zeroize(out);
  return key;
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes an operator-supplied key: hex when it is hex of exactly `expectedBytes`, else
 * standard padded base64 (Node's own decoder skips junk, so the alphabet is checked first).
 */
export function decodeKey(input: string, expectedBytes: number): Buffer {
  if (input.length === expectedBytes * 2 && HEX.test(input)) return Buffer.from(input, 'hex');
  if (input === '' || !BASE64.test(input)) throw badRequest("'key' must be a valid hex or base64 string");
  const key = Buffer.from(input, 'base64');
  if (key.length !== expectedBytes) {
    zeroize(key);
    throw badRequest(`'key' must decode to ${expectedBytes} bytes for this seal`);
  }
  return key;
}
