import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeSnapshot, encodeSnapshot, inspectSnapshot, SnapshotFormatError, type Entry, type SnapshotHeader, type Trailer } from './snapshot-format.js';
import { BLOCK, END_OF_ARCHIVE, fileHeader, padding, parseHeader } from './tar.js';

const header: SnapshotHeader = {
  format: 1,
  ward_version: 'test',
  created: '2026-12-07T06:00:00Z',
  storage_type: 'inmem',
  cluster_id: 'c-1',
  cluster_name: 'one',
  keyring_term: 3,
  keyring_fingerprint: 'ab'.repeat(16),
};
const seal = (sums: Buffer): Buffer => createHmac('sha256', 'root key').update(sums).digest();

async function* batches(entries: Entry[], size: number): AsyncGenerator<Entry[]> {
  for (let i = 0; i < entries.length; i += size) yield entries.slice(i, i + size);
}

async function bytesOf(entries: Entry[], size = 2): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of encodeSnapshot(header, batches(entries, size), seal)) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunked(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function decode(b: Buffer, chunk = 7): Promise<{ header: SnapshotHeader | null; entries: Entry[]; trailer: Trailer | null }> {
  let h: SnapshotHeader | null = null;
  let t: Trailer | null = null;
  const entries: Entry[] = [];
  for await (const e of decodeSnapshot(chunked(b, chunk), (x) => (h = x), (x) => (t = x))) entries.push(e);
  return { header: h, entries, trailer: t };
}

/** The tar members of a snapshot, read independently of the decoder. */
function members(gz: Buffer): Array<{ name: string; data: Buffer }> {
  const tar = gunzipSync(gz);
  const out: Array<{ name: string; data: Buffer }> = [];
  for (let at = 0; ; ) {
    const h = parseHeader(tar.subarray(at, at + BLOCK));
    if (h === null) break;
    out.push({ name: h.name, data: tar.subarray(at + BLOCK, at + BLOCK + h.size) });
    at += BLOCK + h.size + padding(h.size).length;
  }
  return out;
}

/** Builds a gzip'd tar from members, for snapshots the encoder would never write. */
const archive = (ms: Array<{ name: string; data: Buffer }>): Buffer =>
  gzipSync(Buffer.concat([...ms.flatMap((m) => [fileHeader(m.name, m.data.length), m.data, padding(m.data.length)]), END_OF_ARCHIVE]));

const sample: Entry[] = [
  { key: 'core/keyring', value: Buffer.from([1, 2, 3]) },
  { key: 'core/seal-config', value: Buffer.from('{}') },
  { key: 'empty', value: Buffer.alloc(0) },
  { key: 'k\uE000', value: Buffer.from('e000') },
  { key: 'k\u{10000}', value: Buffer.from('astral') },
];

test('a snapshot decodes to the header, entries and trailer it was made from, whatever the chunking', async () => {
  const b = await bytesOf(sample);
  for (const chunk of [1, 3, 64, b.length]) {
    const out = await decode(b, chunk);
    assert.deepEqual(out.header, header);
    assert.deepEqual(out.entries, sample);
    assert.equal(out.trailer?.entries, 5);
    assert.deepEqual(out.trailer?.sealed, seal(out.trailer?.sums ?? Buffer.alloc(0)));
  }
  assert.deepEqual((await decode(await bytesOf([]))).entries, []);
});

test('it is a gzip\'d tar shaped like a Vault raft snapshot: a non-empty SHA256SUMS.sealed, sums that sha256sum -c accepts', async () => {
  const b = await bytesOf(sample);
  const ms = members(b);
  assert.deepEqual(ms.map((m) => m.name), ['meta.json', 'entries/000001.bin', 'entries/000002.bin', 'entries/000003.bin', 'manifest.json', 'SHA256SUMS', 'SHA256SUMS.sealed']);
  assert.ok((ms.at(-1)?.data.length ?? 0) > 0);
  const dir = mkdtempSync(join(tmpdir(), 'ward-snapfmt-'));
  try {
    writeFileSync(join(dir, 's.snap'), b);
    const tar = spawnSync('tar', ['-xzf', 's.snap'], { cwd: dir, encoding: 'utf8' });
    assert.equal(tar.status, 0, tar.stderr);
    const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /entries\/000001\.bin: OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a snapshot cut short anywhere is refused', async () => {
  const b = await bytesOf(sample);
  for (let n = 0; n < b.length; n++) {
    await assert.rejects(decode(b.subarray(0, n)), SnapshotFormatError, `cut at ${n}`);
  }
});

test('any flipped byte is refused, unless it leaves the archive\'s contents exactly as they were', async () => {
  const b = await bytesOf(sample);
  const tar = gunzipSync(b);
  let refused = 0;
  for (let i = 0; i < b.length; i++) {
    const bad = Buffer.from(b);
    bad[i] = (bad[i] as number) ^ 0x40;
    try {
      await decode(bad);
    } catch (e) {
      assert.ok(e instanceof SnapshotFormatError, `byte ${i}: ${String(e)}`);
      refused++;
      continue;
    }
    // gzip ignores its header's mtime/flags/OS bytes, and a few deflate bits do not
    // change the output: the same contents, which decoded and passed every check.
    assert.ok(gunzipSync(bad).equals(tar), `byte ${i} changed the contents and was accepted`);
  }
  assert.ok(refused > b.length * 0.9, `${refused} of ${b.length} refused`);
});

test('well-formed archives that are not whole snapshots are refused, even with matching sums', async () => {
  const ms = members(await bytesOf(sample));
  const resum = (list: Array<{ name: string; data: Buffer }>) => {
    const summed = list.filter((m) => m.name !== 'SHA256SUMS' && m.name !== 'SHA256SUMS.sealed');
    const sums = Buffer.from(summed.map((m) => `${createHash('sha256').update(m.data).digest('hex')}  ${m.name}\n`).join(''));
    return archive([...summed, { name: 'SHA256SUMS', data: sums }, { name: 'SHA256SUMS.sealed', data: seal(sums) }]);
  };
  const noEntries = ms.filter((m) => !m.name.startsWith('entries/'));
  await assert.rejects(decode(resum(noEntries)), /the manifest counts 5 entries in 3 members, the archive holds 0 in 0/);
  const swapped = [ms[0], { name: 'entries/000001.bin', data: (ms[2] as { data: Buffer }).data }, { name: 'entries/000002.bin', data: (ms[1] as { data: Buffer }).data }, ...ms.slice(3)] as typeof ms;
  await assert.rejects(decode(resum(swapped)), /keys out of order/);
  const skipped = ms.filter((m) => m.name !== 'entries/000002.bin');
  await assert.rejects(decode(resum(skipped)), /expected entries\/000002\.bin or manifest\.json, found "entries\/000003\.bin"/);
  const noSeal = ms.filter((m) => m.name !== 'SHA256SUMS.sealed');
  await assert.rejects(decode(archive(noSeal)), /expected SHA256SUMS\.sealed, found the end of the archive/);
  const badSums = ms.map((m) => (m.name === 'SHA256SUMS' ? { name: m.name, data: Buffer.from(m.data.toString().replace(/^./, (c) => (c === '0' ? '1' : '0'))) } : m));
  await assert.rejects(decode(archive(badSums)), /checksum mismatch/);
  await assert.rejects(decode(Buffer.concat([await bytesOf(sample), gzipSync(Buffer.from('x'))])), /data after the end of the archive/);
  await assert.rejects(decode(Buffer.from('{"not":"a snapshot"}')), /not a Ward snapshot/);
});

test('inspectSnapshot reports the header and trailer of a good snapshot and refuses a bad one', async () => {
  const b = await bytesOf(sample);
  const seen = await inspectSnapshot(chunked(b, 5));
  assert.deepEqual(seen.header, header);
  assert.equal(seen.trailer.entries, 5);
  await assert.rejects(inspectSnapshot(chunked(b.subarray(0, b.length - 1), 5)), /truncated snapshot/);
});
