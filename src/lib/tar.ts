/**
 * The few pieces of the POSIX tar (ustar) format a snapshot needs: regular-file headers,
 * padding, the end-of-archive marker, and a strict header parser. Sizes are known when a
 * member is written, which is why a snapshot is many small members rather than one.
 */

export const BLOCK = 512;
/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** The 512-byte header of a regular file `name` (ASCII, under 100 bytes) of `size` bytes. */
export function fileHeader(name: string, size: number, mtimeSeconds = 0): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) >= 100) throw new Error(`tar member name too long: ${name}`);
  h.write(name, 0, 'ascii');
  octal(h, 100, 8, 0o600); // mode
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtimeSeconds);
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  octal(h, 148, 7, checksum(h));
  return h;
}

/** Zero bytes that bring a member of `size` bytes to a block boundary. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** A member's name and size, or null for a zero block (the end marker); throws on a bad header. */
export function parseHeader(h: Buffer): { name: string; size: number; type: string } | null {
  if (h.every((b) => b === 0)) return null;
  const stored = readOctal(h, 148, 8);
  const copy = Buffer.from(h);
  copy.fill(0x20, 148, 156);
  if (stored !== checksum(copy)) throw new Error('tar header checksum mismatch');
  const nul = h.indexOf(0, 0);
  const name = h.toString('utf8', 0, nul === -1 || nul > 100 ? 100 : nul);
  return { name, size: readOctal(h, 124, 12), type: String.fromCharCode(h[156] as number) };
}

function checksum(h: Buffer): number {
  let sum = 0;
  for (const b of h) sum += b;
  return sum;
}

function octal(h: Buffer, at: number, width: number, n: number): void {
  const text = n.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new Error(`tar field overflow: ${n}`);
  h.write(`${text}\0`, at, 'ascii');
}

function readOctal(h: Buffer, at: number, width: number): number {
  const text = h.toString('ascii', at, at + width).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]+$/.test(text)) throw new Error('tar header has a bad number');
  return Number.parseInt(text, 8);
}
