/**
 * The little DER that OCSP needs (the cert method's client, the PKI engine's responder):
 * reading TLVs (definite lengths only, as DER requires) and writing them. Reads are
 * bounds-checked and throw on malformed input, so hostile bytes can only make a parse fail.
 */

export interface Tlv {
  tag: number;
  /** The value bytes. */
  value: Buffer;
  /** The whole encoding (tag, length and value). */
  raw: Buffer;
}

export class DerError extends Error {}

/** Reads one TLV at `at`; returns it and the offset after it. */
export function readTlv(buf: Buffer, at = 0): { tlv: Tlv; next: number } {
  if (at + 2 > buf.length) throw new DerError('truncated DER');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new DerError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new DerError('truncated DER');
  return { tlv: { tag, value: buf.subarray(start, end), raw: buf.subarray(at, end) }, next: end };
}

/** The TLVs inside a constructed value. */
export function children(value: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < value.length) {
    const { tlv, next } = readTlv(value, at);
    out.push(tlv);
    at = next;
  }
  return out;
}

/** Parses exactly one TLV spanning all of `buf`. */
export function parseDer(buf: Buffer): Tlv {
  const { tlv, next } = readTlv(buf);
  if (next !== buf.length) throw new DerError('trailing data after DER');
  return tlv;
}

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const value = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(value.length), value]);
}

export const seq = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);
export const octets = (b: Buffer): Buffer => tlv(0x04, b);
export const nullDer = (): Buffer => Buffer.from([0x05, 0x00]);

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const enc: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    bytes.push(...enc);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** Dotted form of an OBJECT IDENTIFIER's value bytes. */
export function oidText(value: Buffer): string {
  if (value.length === 0) throw new DerError('empty OID');
  const arcs = [Math.min(2, Math.floor(value[0]! / 40)), value[0]! - 40 * Math.min(2, Math.floor(value[0]! / 40))];
  let acc = 0;
  for (const b of value.subarray(1)) {
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    }
  }
  return arcs.join('.');
}

/** A non-negative INTEGER's value bytes from a hex serial (leading zero added when the top bit is set). */
export function integerHex(hex: string): Buffer {
  let b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if (b.length === 0) b = Buffer.from([0]);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}
