/**
 * Root generation's one-time pad, as Vault since 1.10: the OTP is a base62 string as long
 * as the root token (`hvs.` + 24), the encoded token is the unpadded base64 of the token
 * XOR the OTP, byte by byte. Decoding is the same XOR.
 */
import { randomBase62 } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';

/** Length of a root token (`hvs.` and 24 base62 characters), and so of the OTP. */
export const OTP_LENGTH = 28;

export function generateOtp(): string {
  return randomBase62(OTP_LENGTH);
}

function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw badRequest('length of byte slices is not equivalent: ' + a.length + ' != ' + b.length);
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export function encodeToken(token: string, otp: string): string {
  return xor(Buffer.from(token, 'utf8'), Buffer.from(otp, 'utf8')).toString('base64').replace(/=+$/, '');
}

/** Vault's `sys/decode-token`: the token back from the encoded token and the OTP. */
export function decodeToken(encoded: string, otp: string): string {
  const unpadded = encoded.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(unpadded)) throw badRequest('error decoding base64\'d token: illegal base64 data');
  return xor(Buffer.from(unpadded, 'base64'), Buffer.from(otp, 'utf8')).toString('utf8');
}
