/**
 * The SSH wire encoding (RFC 4251 §5): uint32, uint64, string and mpint. Certificates,
 * public key blobs, signatures and openssh-key-v1 private keys are all built from these.
 */

export class WireWriter {
  private readonly parts: Buffer[] = [];

  uint32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    this.parts.push(b);
    return this;
  }

  uint64(n: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt.asUintN(64, n));
    this.parts.push(b);
    return this;
  }

  string(s: Buffer | string): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    this.uint32(b.length);
    this.parts.push(b);
    return this;
  }

  /** A non-negative integer given as unsigned big-endian bytes. */
  mpint(unsigned: Buffer): this {
    let i = 0;
    while (i < unsigned.length && unsigned[i] === 0) i++;
    let b = unsigned.subarray(i);
    // A set high bit would read as negative: prefix a zero byte.
    if (b.length > 0 && (b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
    return this.string(b);
  }

  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Reads the wire encoding; any overrun throws, so truncated input never reads garbage. */
export class WireReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (n < 0 || this.off + n > this.buf.length) throw new RangeError('truncated SSH wire data');
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }

  uint64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }

  string(): Buffer {
    const n = this.uint32();
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  text(): string {
    return this.string().toString('utf8');
  }

  /** An mpint as unsigned big-endian bytes without leading zeros. */
  mpint(): Buffer {
    const b = this.string();
    let i = 0;
    while (i < b.length && b[i] === 0) i++;
    return b.subarray(i);
  }

  get done(): boolean {
    return this.off === this.buf.length;
  }

  rest(): Buffer {
    return this.buf.subarray(this.off);
  }
}

/** Packs `name → value` pairs as certificate options: sorted by name, non-empty values wrapped in a string. */
export function packOptions(opts: Record<string, string>): Buffer {
  const w = new WireWriter();
  for (const name of Object.keys(opts).sort()) {
    w.string(name);
    const v = opts[name]!;
    w.string(v === '' ? Buffer.alloc(0) : new WireWriter().string(v).bytes());
  }
  return w.bytes();
}

export function packStrings(list: readonly string[]): Buffer {
  const w = new WireWriter();
  for (const s of list) w.string(s);
  return w.bytes();
}
