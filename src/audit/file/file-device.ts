/**
 * The `file` audit device: a file sink (or stdout, or discard) in the shared batching
 * shell (../batching.ts), so each event-loop turn's lines go to the file in a single
 * fs.write. A write promise resolves only once its batch reached the OS.
 */
import { close as fsClose, fchmod, fstat, mkdir, open as fsOpen, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { badRequest } from '../../sdk/errors.js';
import { BatchingDevice, type BatchedAuditDevice, type DeviceStats, type Sink } from '../batching.js';
import { checkFormat } from '../format-option.js';

const openP = promisify(fsOpen);
const closeP = promisify(fsClose);
const fchmodP = promisify(fchmod);
const mkdirP = promisify(mkdir);
const fstatP = promisify(fstat);

export type FileDeviceStats = DeviceStats;
export type FileAuditDevice = BatchedAuditDevice<'file'>;

/**
 * Appends `text` to the file. Synchronous on purpose: one batch per event-loop turn
 * appends a few KB to the page cache in microseconds, while an async write costs two
 * thread-pool hops per batch, and each request waits for two batches (its request and
 * response records). The string goes to fs directly: encoding it in C++ cost half of
 * building a Buffer first. A short write (rare on a regular file) finishes from a Buffer.
 */
function writeAll(fd: number, text: string, stats: FileDeviceStats): void {
  stats.writes++;
  const n = writeSync(fd, text, null, 'utf8');
  const total = Buffer.byteLength(text, 'utf8');
  if (n === total) return;
  const buf = Buffer.from(text, 'utf8');
  let off = n;
  while (off < buf.length) {
    stats.writes++;
    const m = writeSync(fd, buf, off, buf.length - off, null);
    if (m === 0) throw new Error('audit file write made no progress');
    off += m;
  }
}

/** `mode` as octal permission bits; 0 means "leave the file's mode alone". */
function parseMode(raw: string | undefined): number {
  const s = raw ?? '0600';
  if (!/^[0-7]{1,4}$/.test(s)) throw badRequest(`invalid file mode "${s}": expected octal such as "0600"`);
  const mode = Number.parseInt(s, 8);
  if (mode & 0o7000 || mode & 0o111) throw badRequest(`invalid file mode "${s}": executable and special bits are not allowed`);
  return mode;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class FileSink implements Sink {
  private fd: number | null = null;

  constructor(
    private readonly path: string,
    private readonly mode: number,
    private readonly stats: FileDeviceStats,
  ) {}

  /** Callers serialise: the batching shell runs every sink operation on one chain. */
  async ensureOpen(): Promise<void> {
    if (this.fd !== null) return;
    // Created with the requested mode; an existing regular file is brought to it too.
    // Character devices and FIFOs (/dev/stderr, a pipe to a shipper) keep theirs.
    const fd = await openP(this.path, 'a', this.mode === 0 ? 0o600 : this.mode);
    try {
      if (this.mode !== 0 && (await fstatP(fd)).isFile()) await fchmodP(fd, this.mode);
    } catch (e) {
      await closeP(fd).catch(() => undefined);
      throw e;
    }
    this.fd = fd;
  }

  async write(lines: readonly string[]): Promise<void> {
    // A failed reopen leaves no fd: try again here so a fixed path recovers by itself.
    await this.ensureOpen();
    if (this.fd === null) throw new Error('audit file is not open');
    writeAll(this.fd, lines.join(''), this.stats);
  }

  async reopen(): Promise<void> {
    await this.close();
    await this.ensureOpen();
  }

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await closeP(fd);
  }
}

const stdoutSink: Sink = {
  write: (lines) =>
    new Promise((resolve, reject) => {
      process.stdout.write(lines.join(''), (err) => (err ? reject(err) : resolve()));
    }),
  reopen: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

const discardDevice = (stats: FileDeviceStats): FileAuditDevice => ({
  type: 'file',
  stats,
  write: () => {
    stats.lines++;
    return Promise.resolve();
  },
  reopen: () => Promise.resolve(),
  close: () => Promise.resolve(),
});

/**
 * Creates a file device from its options: `file_path` (required; `stdout` and `discard`
 * are special), `mode` (octal, default "0600", "0000" leaves the mode), `format` (json or jsonx),
 * `prefix` (prepended to each line). Opens the file now, so a bad path fails the enable
 * with a 400 naming the cause.
 */
export async function createFileDevice(options: Record<string, string>): Promise<FileAuditDevice> {
  // As Vault: the old option name `path` still works, and the special targets match in any case.
  const given = options['file_path'] ?? options['path'];
  if (given === undefined) throw badRequest('"file_path" is required: invalid configuration');
  const trimmed = given.trim();
  if (trimmed === '') throw badRequest('file path is required: invalid configuration');
  const special = trimmed.toLowerCase();
  const path = special === 'stdout' || special === 'discard' ? special : trimmed;
  checkFormat(options);
  const prefix = options['prefix'] ?? '';
  const mode = parseMode(options['mode']);
  const stats: FileDeviceStats = { writes: 0, lines: 0 };

  if (path === 'discard') return discardDevice(stats);
  if (path === 'stdout') return new BatchingDevice('file', stdoutSink, prefix, stats);

  const sink = new FileSink(path, mode, stats);
  try {
    await mkdirP(dirname(path), { recursive: true, mode: 0o700 });
    await sink.ensureOpen();
  } catch (e) {
    throw badRequest(`sys/audit: unable to open audit file: ${errorText(e)}`);
  }
  return new BatchingDevice('file', sink, prefix, stats);
}
