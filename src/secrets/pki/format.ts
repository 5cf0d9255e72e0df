/**
 * Small encoding helpers: serial numbers in Vault's colon form, storage keys, PEM blocks.
 */
import { randomBytes } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';

/**
 * A random positive 160-bit serial as hex. The top bit is cleared so DER keeps it
 * positive without a padding byte, and the first byte is non-zero so the encoding is
 * already minimal (RFC 5280 allows at most 20 octets).
 */
export function randomSerialHex(): string {
  const b = randomBytes(20);
  b[0] = ((b[0] ?? 0) & 0x7f) || 0x01;
  return b.toString('hex');
}

/** "0a1b2c" → "0a:1b:2c", as Vault prints `serial_number`. */
export function colonSerial(hex: string): string {
  const h = hex.toLowerCase().replace(/[^0-9a-f]/g, '');
  const even = h.length % 2 === 1 ? `0${h}` : h;
  return even.match(/../g)?.join(':') ?? '';
}

/** Accepts "aa:bb", "aa-bb" or "AABB"; returns the storage form "aa-bb". */
export function serialKey(input: string): string {
  const h = input.trim().toLowerCase().replace(/[:-]/g, '');
  if (h === '' || !/^[0-9a-f]+$/.test(h)) throw badRequest(`invalid serial number "${input}"`);
  return colonSerial(h).replace(/:/g, '-');
}

export const keyToColon = (key: string): string => key.replace(/-/g, ':');

/** Every PEM block of the given label in `text`, each normalised to end without a newline. */
export function pemBlocks(text: string, label = 'CERTIFICATE'): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g');
  return (text.match(re) ?? []).map((b) => b.trim());
}

/** DER bytes → PEM with 64-column lines and no trailing newline. */
export function toPem(der: ArrayBuffer | Buffer, label: string): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END ${label}-----`;
}

/** Unix seconds of a Date. */
export const unix = (d: Date | number): number => Math.floor((typeof d === 'number' ? d : d.getTime()) / 1000);
