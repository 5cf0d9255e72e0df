/**
 * Ward's snapshot file: every physical entry, still encrypted, in one stream.
 *
 *   "WARDSNAP"                      8 bytes
 *   header length (u32 BE), header UTF-8 JSON ({@link SnapshotHeader})
 *   entries, in strictly increasing UTF-8 key order, each:
 *     0x01, key length (u32 BE), key (UTF-8), value length (u32 BE), value
 *   trailer: 0x00, entry count (u64 BE), SHA-256 of every byte before the hash
 *
 * The entry count cannot be in the header: the file is written while the store is
 * scanned, without counting it first. The checksum guards against truncation and
 * corruption, not tampering (anyone can recompute it); what protects the data is that
 * it stays encrypted under the cluster's keyring.
 */
import { createHash, type Hash } from 'node:crypto';
import { compareUtf8 } from './key-order.js';

export const MAGIC = Buffer.from('WARDSNAP', 'ascii');
export const FORMAT_VERSION = 1;
const ENTRY = 0x01;
const TRAILER = 0x00;
export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_KEY_BYTES = 64 * 1024;
/** Larger than any value a supported engine stores (etcd: 1.5 MiB; Vault's request limit: 32 MiB). */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

export interface SnapshotHeader {
  format: number;
  ward_version: string;
  /** RFC 3339. */
  created: string;
  storage_type: string;
  cluster_id: string;
  cluster_name: string;
  /** The barrier keyring's active term when the snapshot was taken. */
  keyring_term: number;
  /** Identifies the root key (an HMAC under it, so it reveals nothing about it). */
  keyring_fingerprint: string;
}

export type Entry = { key: string; value: Buffer };

/** A snapshot that cannot be restored: truncated, corrupted or not a Ward snapshot. */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

/** The snapshot's bytes, one chunk per batch of `batches` (the store is never held whole). */
export async function* encodeSnapshot(header: SnapshotHeader, batches: AsyncIterable<Entry[]>): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  const emit = (b: Buffer): Buffer => {
    hash.update(b);
    return b;
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  yield emit(Buffer.concat([MAGIC, u32(head.length), head]));
  let count = 0n;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    const parts: Buffer[] = [];
    for (const { key, value } of batch) {
      const k = Buffer.from(key, 'utf8');
      parts.push(Buffer.from([ENTRY]), u32(k.length), k, u32(value.length), value);
      count++;
    }
    yield emit(Buffer.concat(parts));
  }
  const tail = Buffer.alloc(9);
  tail.writeUInt8(TRAILER, 0);
  tail.writeBigUInt64BE(count, 1);
  yield Buffer.concat([emit(tail), hash.digest()]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * Reads a snapshot, yielding its entries; the header is delivered to `onHeader` before
 * the first one. The checksum, count and end of input are checked after the last entry,
 * so a consumer that must not act on a bad snapshot reads it through once first (the
 * restore does: see spool.ts).
 */
export async function* decodeSnapshot(chunks: AsyncIterable<Buffer>, onHeader: (h: SnapshotHeader) => void): AsyncGenerator<Entry> {
  const r = new Reader(chunks[Symbol.asyncIterator]());
  const hash = createHash('sha256');
  const magic = await r.read(MAGIC.length, hash, 'the header');
  if (!magic.equals(MAGIC)) throw new SnapshotFormatError('not a Ward snapshot (bad magic bytes)');
  const headLen = (await r.read(4, hash, 'the header')).readUInt32BE();
  if (headLen > MAX_HEADER_BYTES) throw new SnapshotFormatError(`header of ${headLen} bytes is over the ${MAX_HEADER_BYTES}-byte limit`);
  onHeader(parseHeader(await r.read(headLen, hash, 'the header')));
  let count = 0n;
  let previous: string | null = null;
  for (;;) {
    const tag = (await r.read(1, hash, 'the trailer')).readUInt8();
    if (tag === TRAILER) break;
    if (tag !== ENTRY) throw new SnapshotFormatError(`corrupt snapshot: unknown record type ${tag} after ${count} entries`);
    const keyLen = (await r.read(4, hash, 'an entry')).readUInt32BE();
    if (keyLen > MAX_KEY_BYTES) throw new SnapshotFormatError(`corrupt snapshot: a key of ${keyLen} bytes`);
    const key = utf8(await r.read(keyLen, hash, 'an entry'));
    if (previous !== null && compareUtf8(previous, key) >= 0) throw new SnapshotFormatError('corrupt snapshot: keys out of order or repeated');
    const valueLen = (await r.read(4, hash, 'an entry')).readUInt32BE();
    if (valueLen > MAX_VALUE_BYTES) throw new SnapshotFormatError(`corrupt snapshot: a value of ${valueLen} bytes`);
    const value = await r.read(valueLen, hash, 'an entry');
    previous = key;
    count++;
    yield { key, value };
  }
  const stated = (await r.read(8, hash, 'the trailer')).readBigUInt64BE();
  const digest = hash.digest();
  const sum = await r.read(32, null, 'the trailer');
  if (!(await r.atEnd())) throw new SnapshotFormatError('corrupt snapshot: data after the trailer');
  if (!sum.equals(digest)) throw new SnapshotFormatError('checksum mismatch: the snapshot is corrupted');
  if (stated !== count) throw new SnapshotFormatError(`corrupt snapshot: the trailer counts ${stated} entries, the file holds ${count}`);
}

function parseHeader(raw: Buffer): SnapshotHeader {
  let h: unknown;
  try {
    h = JSON.parse(utf8(raw));
  } catch {
    throw new SnapshotFormatError('corrupt snapshot: unreadable header');
  }
  const o = (typeof h === 'object' && h !== null ? h : {}) as Record<string, unknown>;
  if (o['format'] !== FORMAT_VERSION) throw new SnapshotFormatError(`unsupported snapshot format ${JSON.stringify(o['format'])} (this server reads format ${FORMAT_VERSION})`);
  const s = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
  return {
    format: FORMAT_VERSION,
    ward_version: s('ward_version'),
    created: s('created'),
    storage_type: s('storage_type'),
    cluster_id: s('cluster_id'),
    cluster_name: s('cluster_name'),
    keyring_term: typeof o['keyring_term'] === 'number' ? o['keyring_term'] : 0,
    keyring_fingerprint: s('keyring_fingerprint'),
  };
}

const decoder = new TextDecoder('utf-8', { fatal: true });
function utf8(b: Buffer): string {
  try {
    return decoder.decode(b);
  } catch {
    throw new SnapshotFormatError('corrupt snapshot: a key is not valid UTF-8');
  }
}

/** Exact-length reads over a chunk stream. */
class Reader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
      }
    }
    return this.buffered >= n;
  }

  async read(n: number, hash: Hash | null, what: string): Promise<Buffer> {
    if (!(await this.fill(n))) throw new SnapshotFormatError(`truncated snapshot: it ends inside ${what}`);
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    hash?.update(out);
    return out;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }
}

/** Reads a whole snapshot for its header and entry count; throws SnapshotFormatError if it is bad. */
export async function inspectSnapshot(chunks: AsyncIterable<Buffer>): Promise<{ header: SnapshotHeader; entries: number }> {
  let header: SnapshotHeader | null = null;
  let entries = 0;
  for await (const e of decodeSnapshot(chunks, (h) => (header = h))) {
    void e;
    entries++;
  }
  // decodeSnapshot hands over the header before any entry, or throws.
  return { header: header as unknown as SnapshotHeader, entries };
}
