#!/usr/bin/env node
// Moving the data: how fast scan(), `operator migrate` and a snapshot's encode/decode run
// on a SQLite store of N entries, and how long the event loop is held while a scan pages
// through it with writes going on (goal: no turn over ~50 ms; the scan yields between
// pages). Each figure is beside its baseline in the same run: a plain full-table SELECT
// on the same file.
// Usage: npm run build && node bench/storage-move.mjs [-- --entries 100000 --value 300]
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { option } from './lib.mjs';

const N = Number(option('entries', 100_000));
const SIZE = Number(option('value', 300));
const dist = new URL('../dist/src/', import.meta.url);
const { SqlitePhysical } = await import(new URL('storage/sqlite/sqlite-physical.js', dist));
const { migrate } = await import(new URL('server/migrate/migrate.js', dist));
const { encodeSnapshot, inspectSnapshot, decodeSnapshot } = await import(new URL('lib/snapshot-format.js', dist));
const { replaceAll } = await import(new URL('core/snapshot/apply.js', dist));

const dir = mkdtempSync(join(tmpdir(), 'ward-bench-move-'));
const ms = (t) => `${(performance.now() - t).toFixed(0)} ms`;
try {
  const src = SqlitePhysical.open(join(dir, 'src.db'));
  // Random bytes, as ciphertext is: nothing for gzip to squeeze.
  const value = randomBytes(SIZE);
  for (let i = 0; i < N; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, N - i) }, (_, j) => src.put(`logical/${String(i + j).padStart(8, '0')}/x`, value)));
  }
  console.log(`store: ${N} entries of ${SIZE} bytes`);

  let t = performance.now();
  const raw = new Database(join(dir, 'src.db'), { readonly: true });
  let rows = 0;
  for (const r of raw.prepare('SELECT key, value FROM kv ORDER BY key').iterate()) rows += r.value.length > 0 ? 1 : 0;
  raw.close();
  console.log(`baseline: one synchronous SELECT of every row         ${ms(t)} (${rows} rows, event loop held throughout)`);

  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let writes = 0;
  let stop = false;
  const writer = (async () => {
    while (!stop) {
      await src.put(`logical/zz-during-scan/${writes++}`, value);
    }
  })();
  t = performance.now();
  let scanned = 0;
  for await (const batch of src.scan()) scanned += batch.length;
  const scanTime = ms(t);
  stop = true;
  await writer;
  delay.disable();
  console.log(`scan() with a writer running alongside                ${scanTime} (${scanned} entries; ${writes} writes acknowledged meanwhile; event loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms)`);

  const dst = SqlitePhysical.open(join(dir, 'dst.db'));
  t = performance.now();
  const r = await migrate(src, dst, {});
  console.log(`migrate SQLite -> SQLite, verified                    ${ms(t)} (${r.entries} entries)`);

  const file = join(dir, 'snap');
  t = performance.now();
  await pipeline(Readable.from(encodeSnapshot({ format: 1, created: new Date().toISOString() }, src.scan(), () => Buffer.from('bench'))), createWriteStream(file));
  console.log(`snapshot encode to a file                             ${ms(t)}`);
  t = performance.now();
  const seen = await inspectSnapshot(createReadStream(file));
  console.log(`snapshot decode + verify from the file                ${ms(t)} (${seen.trailer.entries} entries)`);
  const target = SqlitePhysical.open(join(dir, 'target.db'));
  await target.put('stale/1', value);
  t = performance.now();
  const applied = await replaceAll(target, () => decodeSnapshot(createReadStream(file), () => undefined));
  console.log(`snapshot restore (replaceAll) into SQLite             ${ms(t)} (${applied.put} put, ${applied.deleted} deleted)`);
  await Promise.all([src.close(), dst.close(), target.close()]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
