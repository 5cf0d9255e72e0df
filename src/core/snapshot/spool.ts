/**
 * A restore must not change anything until the whole upload is known to be good, and an
 * upload can be larger than memory should hold. So it is written to a private temp file
 * first, then read through once to check its format, count and sums (and to pick out
 * the sealed tag for the caller to check), and only then applied from the file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { decodeSnapshot, inspectSnapshot, type Entry, type SnapshotHeader, type Trailer } from '../../lib/snapshot-format.js';

export interface Spooled {
  header: SnapshotHeader;
  /** The entry count, the sums and the sealed tag (for the caller to check). */
  trailer: Trailer;
  /** The verified snapshot's entries, read again from the file. */
  entries(): AsyncGenerator<Entry>;
  /** Deletes the temp file; idempotent. */
  discard(): Promise<void>;
}

/** Spools and verifies `body`; throws SnapshotFormatError (file removed) when it is bad. */
export async function spoolSnapshot(body: AsyncIterable<Buffer>): Promise<Spooled> {
  // mkdtemp makes the directory 0700: the file is ciphertext, but still nobody else's.
  const dir = await mkdtemp(join(tmpdir(), 'ward-restore-'));
  const file = join(dir, 'snapshot');
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(body, createWriteStream(file, { mode: 0o600 }));
    const { header, trailer } = await inspectSnapshot(createReadStream(file));
    return { header, trailer, entries: () => decodeSnapshot(createReadStream(file), () => undefined), discard };
  } catch (e) {
    await discard();
    throw e;
  }
}
