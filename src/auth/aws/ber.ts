/**
 * A BER reader for the PKCS#7 AWS serves: unlike DER it uses indefinite lengths (ended by
 * two zero bytes) and splits the content OCTET STRING into chunks. Single-byte tags only;
 * bounds-checked with a depth limit, so hostile bytes can only make a parse fail (BerError).
 */
export class BerError extends Error {}

export interface BerNode {
  tag: number;
  /** The whole encoding, tag to end (for definite lengths exactly the bytes sent). */
  raw: Buffer;
  /** A primitive's contents (for a constructed node: its contents bytes when definite). */
  value: Buffer;
  /** A constructed node's children; null for a primitive. */
  kids: BerNode[] | null;
  indefinite: boolean;
}

const MAX_DEPTH = 32;

function readNode(buf: Buffer, at: number, depth: number): { node: BerNode; next: number } {
  if (depth > MAX_DEPTH) throw new BerError('BER nested too deeply');
  if (at + 2 > buf.length) throw new BerError('truncated BER');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new BerError('high tag numbers are not supported');
  const constructed = (tag & 0x20) !== 0;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len === 0x80) {
    if (!constructed) throw new BerError('indefinite length on a primitive');
    const kids: BerNode[] = [];
    let p = start;
    for (;;) {
      if (p + 2 > buf.length) throw new BerError('truncated BER');
      if (buf[p] === 0 && buf[p + 1] === 0) break;
      const { node, next } = readNode(buf, p, depth + 1);
      kids.push(node);
      p = next;
    }
    const next = p + 2;
    return { node: { tag, raw: buf.subarray(at, next), value: buf.subarray(start, p), kids, indefinite: true }, next };
  }
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || start + n > buf.length) throw new BerError('bad BER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new BerError('truncated BER');
  const value = buf.subarray(start, end);
  let kids: BerNode[] | null = null;
  if (constructed) {
    kids = [];
    for (let p = start; p < end; ) {
      const { node, next } = readNode(buf.subarray(0, end), p, depth + 1);
      kids.push(node);
      p = next;
    }
  }
  return { node: { tag, raw: buf.subarray(at, end), value, kids, indefinite: false }, next: end };
}

/** Parses one element spanning the buffer (trailing zero padding tolerated, as BER streams end). */
export function parseBer(buf: Buffer): BerNode {
  const { node, next } = readNode(buf, 0, 0);
  if (buf.subarray(next).some((b) => b !== 0)) throw new BerError('trailing data after BER');
  return node;
}

/** An OCTET STRING's bytes, primitive or constructed from chunks. */
export function octetString(n: BerNode): Buffer {
  if (n.tag === 0x04) return n.value;
  if (n.tag === 0x24 && n.kids) return Buffer.concat(n.kids.map(octetString));
  throw new BerError('expected an OCTET STRING');
}
