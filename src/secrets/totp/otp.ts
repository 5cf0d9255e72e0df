/**
 * One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) over node:crypto's HMAC,
 * base32 secrets (RFC 4648) and the `otpauth://totp/...` URL authenticator apps read.
 * Pure functions; time comes in as epoch milliseconds.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Algorithm = 'SHA1' | 'SHA256' | 'SHA512';
export const ALGORITHMS: readonly Algorithm[] = ['SHA1', 'SHA256', 'SHA512'];

export interface TotpOptions {
  period: number;
  digits: number;
  algorithm: Algorithm;
}

const HMAC: Record<Algorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export function hotp(secret: Buffer, counter: bigint, digits: number, algorithm: Algorithm): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(counter);
  const mac = createHmac(HMAC[algorithm], secret).update(msg).digest();
  const off = mac[mac.length - 1]! & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

const counterAt = (ms: number, period: number): bigint => BigInt(Math.floor(ms / 1000 / period));

export function totpAt(secret: Buffer, ms: number, o: TotpOptions): string {
  return hotp(secret, counterAt(ms, o.period), o.digits, o.algorithm);
}

/** True when `code` matches the period at `ms` or one of the `skew` periods either side. */
export function validateTotp(secret: Buffer, code: string, ms: number, o: TotpOptions & { skew: number }): boolean {
  if (code.length !== o.digits) return false;
  const given = Buffer.from(code);
  const base = counterAt(ms, o.period);
  let ok = false;
  for (let i = -o.skew; i <= o.skew; i++) {
    const c = base + BigInt(i);
    if (c < 0n) continue;
    // Every candidate is compared, in constant time, so timing says nothing about which matched.
    if (timingSafeEqual(Buffer.from(hotp(secret, c, o.digits, o.algorithm)), given)) ok = true;
  }
  return ok;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(b: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, case-insensitive, padding optional; Go's error text on a bad byte. */
export function base32Decode(s: string): Buffer {
  const text = s.toUpperCase().replace(/=+$/, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const v = ALPHABET.indexOf(text[i]!);
    if (v < 0) throw new Error(`illegal base32 data at input byte ${i}`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export interface KeyUrlParts {
  issuer: string;
  accountName: string;
  secret: string;
  period: number;
  digits: number;
  algorithm: Algorithm;
}

/** Go's url.QueryEscape: space as '+'. */
const queryEscape = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** Go's path escaping keeps these sub-delimiters as they are. */
const pathEscape = (s: string): string => encodeURIComponent(s).replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, (m) => decodeURIComponent(m));

/** The URL pquerna/otp (and so Vault) writes: query keys sorted, secret without padding. */
export function keyUrl(p: KeyUrlParts): string {
  const q = [
    ['algorithm', p.algorithm],
    ['digits', String(p.digits)],
    ['issuer', p.issuer],
    ['period', String(p.period)],
    ['secret', p.secret],
  ];
  return `otpauth://totp/${pathEscape(p.issuer)}:${pathEscape(p.accountName)}?${q.map(([k, v]) => `${k}=${queryEscape(v!)}`).join('&')}`;
}

/** The parts of an imported URL as Vault reads them; numbers stay text for the caller to check. */
export function parseKeyUrl(url: string): { issuer: string; accountName: string; secret: string; period: string; digits: string; algorithm: string } {
  const u = new URL(url);
  const path = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const colon = path.indexOf(':');
  const q = u.searchParams;
  return {
    issuer: q.get('issuer') || (colon >= 0 ? path.slice(0, colon) : ''),
    accountName: colon >= 0 ? path.slice(colon + 1) : path,
    secret: q.get('secret') ?? '',
    period: q.get('period') ?? '',
    digits: q.get('digits') ?? '',
    algorithm: q.get('algorithm') ?? '',
  };
}
