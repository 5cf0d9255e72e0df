/**
 * Ward's snapshot file: every physical entry, still encrypted, in one stream. It is a
 * gzip'd tar archive, shaped like Vault's raft snapshots so Vault's clients accept it
 * (the Go api's RaftSnapshot refuses a download without a non-empty
 * `SHA256SUMS.sealed` member) and so an operator can check one with `tar` and
 * `sha256sum -c`:
 *
 *   meta.json             the header ({@link SnapshotHeader})
 *   entries/000001.bin    one member per scan batch; records, in strictly increasing
 *   entries/000002.bin    UTF-8 key order across members, each:
 *   …                       key length (u32 BE), key (UTF-8), value length (u32 BE), value
 *   manifest.json         {"entries": N, "members": M}: the count, known only at the end
 *   SHA256SUMS            "<sha256>  <name>" for every member above, in order
 *   SHA256SUMS.sealed     a tag over SHA256SUMS keyed by the cluster's root key
 *
 * SHA256SUMS (with gzip's CRC) catches truncation and corruption; anyone can recompute
 * it. The sealed tag cannot be forged without the root key: a restore checks it unless
 * forced, which both refuses another cluster's snapshot and detects tampering with this
 * cluster's. The entries themselves stay encrypted under the cluster's keyring.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { compareUtf8 } from './key-order.js';
import { BLOCK, END_OF_ARCHIVE, fileHeader, padding, parseHeader } from './tar.js';

export const FORMAT_VERSION = 1;
export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_KEY_BYTES = 64 * 1024;
/** Larger than any value a supported engine stores (etcd: 1.5 MiB; Vault's request limit: 32 MiB). */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;
const MAX_SUMS_BYTES = 64 * 1024 * 1024;
const MAX_SEALED_BYTES = 1024;

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

/** Seals a snapshot: a tag over its SHA256SUMS, keyed by the root key. */
export type Sealer = (sums: Buffer) => Buffer;

/** What follows the entries: the count, the sums and the sealed tag (checked by the caller). */
export interface Trailer {
  entries: number;
  sums: Buffer;
  sealed: Buffer;
}

/** A snapshot that cannot be restored: truncated, corrupted or not a Ward snapshot. */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

const memberName = (n: number): string => `entries/${String(n).padStart(6, '0')}.bin`;

/** The snapshot's bytes, gzip'd, one tar member per batch (the store is never held whole). */
export function encodeSnapshot(header: SnapshotHeader, batches: AsyncIterable<Entry[]>, seal: Sealer): AsyncIterable<Buffer> {
  // Level 1: the values are ciphertext, which no level compresses; only the keys and the
  // framing shrink, and level 1 costs half the CPU of the default for that.
  return Readable.from(tarMembers(header, batches, seal)).pipe(createGzip({ level: 1 }));
}

async function* tarMembers(header: SnapshotHeader, batches: AsyncIterable<Entry[]>, seal: Sealer): AsyncGenerator<Buffer> {
  const mtime = Math.floor(Date.parse(header.created) / 1000) || 0;
  const sums: string[] = [];
  const member = (name: string, data: Buffer, summed = true): Buffer => {
    if (summed) sums.push(`${createHash('sha256').update(data).digest('hex')}  ${name}\n`);
    return Buffer.concat([fileHeader(name, data.length, mtime), data, padding(data.length)]);
  };
  yield member('meta.json', Buffer.from(JSON.stringify(header), 'utf8'));
  let members = 0;
  let entries = 0;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    const parts: Buffer[] = [];
    for (const { key, value } of batch) {
      const k = Buffer.from(key, 'utf8');
      parts.push(u32(k.length), k, u32(value.length), value);
    }
    entries += batch.length;
    yield member(memberName(++members), Buffer.concat(parts));
  }
  yield member('manifest.json', Buffer.from(JSON.stringify({ entries, members }), 'utf8'));
  const sumsText = Buffer.from(sums.join(''), 'utf8');
  yield member('SHA256SUMS', sumsText, false);
  yield Buffer.concat([member('SHA256SUMS.sealed', seal(sumsText), false), END_OF_ARCHIVE]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * Reads a snapshot, yielding its entries; the header goes to `onHeader` before the first
 * one and the trailer to `onTrailer` after the last. Every structural check, the count
 * and the sums are verified before the generator finishes, so a consumer that must not
 * act on a bad snapshot reads it through once first (the restore does: see spool.ts).
 * The sealed tag is only handed over: checking it needs the root key.
 */
export async function* decodeSnapshot(
  chunks: AsyncIterable<Buffer>,
  onHeader: (h: SnapshotHeader) => void,
  onTrailer: (t: Trailer) => void = () => undefined,
): AsyncGenerator<Entry> {
  const gunzip = createGunzip();
  const source = Readable.from(chunks);
  source.on('error', (e) => gunzip.destroy(e));
  const r = new Reader(source.pipe(gunzip)[Symbol.asyncIterator]());
  const sums: string[] = [];
  /** The next member's contents, checked for its name; its SHA-256 is recorded. */
  const next = async (expect: (name: string) => boolean, what: string): Promise<{ name: string; size: number }> => {
    const h = await r.header(what);
    if (h === null || !expect(h.name) || h.type !== '0') throw new SnapshotFormatError(`corrupt snapshot: expected ${what}, found ${h === null ? 'the end of the archive' : `"${h.name}"`}`);
    return h;
  };

  const meta = await next((n) => n === 'meta.json', 'meta.json');
  if (meta.size > MAX_HEADER_BYTES) throw new SnapshotFormatError(`corrupt snapshot: a header of ${meta.size} bytes`);
  const metaBytes = await r.member(meta.size, 'meta.json');
  sums.push(sumLine(metaBytes, 'meta.json'));
  onHeader(parseMeta(metaBytes));

  let previous: string | null = null;
  let entries = 0;
  let members = 0;
  for (;;) {
    const h = await next((n) => n === memberName(members + 1) || n === 'manifest.json', `${memberName(members + 1)} or manifest.json`);
    if (h.name === 'manifest.json') {
      if (h.size > MAX_HEADER_BYTES) throw new SnapshotFormatError('corrupt snapshot: an oversized manifest');
      const manifest = await r.member(h.size, 'manifest.json');
      sums.push(sumLine(manifest, 'manifest.json'));
      const m = parseJson(manifest, 'manifest.json');
      if (m['entries'] !== entries || m['members'] !== members) {
        throw new SnapshotFormatError(`corrupt snapshot: the manifest counts ${String(m['entries'])} entries in ${String(m['members'])} members, the archive holds ${entries} in ${members}`);
      }
      break;
    }
    members++;
    const hash = createHash('sha256');
    let left = h.size;
    const take = async (n: number, what: string): Promise<Buffer> => {
      if (n > left) throw new SnapshotFormatError(`corrupt snapshot: ${what} runs past the end of ${h.name}`);
      left -= n;
      const b = await r.read(n, h.name);
      hash.update(b);
      return b;
    };
    while (left > 0) {
      const keyLen = (await take(4, 'a key length')).readUInt32BE();
      if (keyLen > MAX_KEY_BYTES) throw new SnapshotFormatError(`corrupt snapshot: a key of ${keyLen} bytes`);
      const key = utf8(await take(keyLen, 'a key'));
      if (previous !== null && compareUtf8(previous, key) >= 0) throw new SnapshotFormatError('corrupt snapshot: keys out of order or repeated');
      const valueLen = (await take(4, 'a value length')).readUInt32BE();
      if (valueLen > MAX_VALUE_BYTES) throw new SnapshotFormatError(`corrupt snapshot: a value of ${valueLen} bytes`);
      const value = await take(valueLen, 'a value');
      previous = key;
      entries++;
      yield { key, value };
    }
    await r.skip(padding(h.size).length, h.name);
    sums.push(`${hash.digest('hex')}  ${h.name}\n`);
  }

  const sumsHead = await next((n) => n === 'SHA256SUMS', 'SHA256SUMS');
  if (sumsHead.size > MAX_SUMS_BYTES) throw new SnapshotFormatError('corrupt snapshot: an oversized SHA256SUMS');
  const stated = await r.member(sumsHead.size, 'SHA256SUMS');
  const computed = Buffer.from(sums.join(''), 'utf8');
  if (!stated.equals(computed)) throw new SnapshotFormatError('checksum mismatch: the snapshot is corrupted');
  const sealedHead = await next((n) => n === 'SHA256SUMS.sealed', 'SHA256SUMS.sealed');
  if (sealedHead.size === 0 || sealedHead.size > MAX_SEALED_BYTES) throw new SnapshotFormatError('corrupt snapshot: a bad SHA256SUMS.sealed');
  const sealed = await r.member(sealedHead.size, 'SHA256SUMS.sealed');
  if ((await r.header('the end of the archive')) !== null) throw new SnapshotFormatError('corrupt snapshot: data after SHA256SUMS.sealed');
  await r.skip(BLOCK, 'the end of the archive');
  if (!(await r.atEnd())) throw new SnapshotFormatError('corrupt snapshot: data after the end of the archive');
  onTrailer({ entries, sums: stated, sealed });
}

/** Reads a whole snapshot for its header and trailer; throws SnapshotFormatError if it is bad. */
export async function inspectSnapshot(chunks: AsyncIterable<Buffer>): Promise<{ header: SnapshotHeader; trailer: Trailer }> {
  let header: SnapshotHeader | null = null;
  let trailer: Trailer | null = null;
  for await (const e of decodeSnapshot(chunks, (h) => (header = h), (t) => (trailer = t))) void e;
  // decodeSnapshot hands both over before it finishes, or throws.
  return { header: header as unknown as SnapshotHeader, trailer: trailer as unknown as Trailer };
}

const sumLine = (data: Buffer, name: string): string => `${createHash('sha256').update(data).digest('hex')}  ${name}\n`;

function parseJson(raw: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(utf8(raw));
  } catch {
    throw new SnapshotFormatError(`corrupt snapshot: unreadable ${what}`);
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function parseMeta(raw: Buffer): SnapshotHeader {
  const o = parseJson(raw, 'meta.json');
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
    throw new SnapshotFormatError('corrupt snapshot: text that is not valid UTF-8');
  }
}

/** Exact-length reads over the decompressed stream; gzip errors become format errors. */
class Reader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      let r: IteratorResult<Buffer>;
      try {
        r = await this.it.next();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'Z_BUF_ERROR') throw new SnapshotFormatError('truncated snapshot: the compressed stream ends early');
        if (code === 'Z_DATA_ERROR') throw new SnapshotFormatError(`not a Ward snapshot, or a corrupted one: ${(e as Error).message}`);
        throw e;
      }
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
      }
    }
    return this.buffered >= n;
  }

  async read(n: number, where: string): Promise<Buffer> {
    if (!(await this.fill(n))) throw new SnapshotFormatError(`truncated snapshot: it ends inside ${where}`);
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  async skip(n: number, where: string): Promise<void> {
    if (n > 0) await this.read(n, where);
  }

  /** A member's whole contents and the padding after it. */
  async member(size: number, where: string): Promise<Buffer> {
    const data = await this.read(size, where);
    await this.skip(padding(size).length, where);
    return data;
  }

  async header(where: string): Promise<{ name: string; size: number; type: string } | null> {
    const block = await this.read(BLOCK, `the tar header before ${where}`);
    try {
      return parseHeader(block);
    } catch (e) {
      throw new SnapshotFormatError(`corrupt snapshot: ${(e as Error).message}`);
    }
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }
}
