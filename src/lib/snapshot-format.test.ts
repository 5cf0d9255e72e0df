import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decodeSnapshot, encodeSnapshot, inspectSnapshot, SnapshotFormatError, type Entry, type SnapshotHeader } from './snapshot-format.js';

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

async function* batches(entries: Entry[], size: number): AsyncGenerator<Entry[]> {
  for (let i = 0; i < entries.length; i += size) yield entries.slice(i, i + size);
}

async function bytesOf(entries: Entry[], size = 2): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of encodeSnapshot(header, batches(entries, size))) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunked(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function decode(b: Buffer, chunk = 7): Promise<{ header: SnapshotHeader | null; entries: Entry[] }> {
  let h: SnapshotHeader | null = null;
  const entries: Entry[] = [];
  for await (const e of decodeSnapshot(chunked(b, chunk), (x) => (h = x))) entries.push(e);
  return { header: h, entries };
}

const sample: Entry[] = [
  { key: 'core/keyring', value: Buffer.from([1, 2, 3]) },
  { key: 'core/seal-config', value: Buffer.from('{}') },
  { key: 'empty', value: Buffer.alloc(0) },
  { key: 'k\uE000', value: Buffer.from('e000') },
  { key: 'k\u{10000}', value: Buffer.from('astral') },
];

test('a snapshot decodes to the header and entries it was made from, whatever the chunking', async () => {
  const b = await bytesOf(sample);
  assert.ok(b.subarray(0, 8).equals(Buffer.from('WARDSNAP')));
  for (const chunk of [1, 3, 64, b.length]) {
    const out = await decode(b, chunk);
    assert.deepEqual(out.header, header);
    assert.deepEqual(out.entries, sample);
  }
  assert.deepEqual((await decode(await bytesOf([]))).entries, []);
});

test('a snapshot cut short anywhere is refused', async () => {
  const b = await bytesOf(sample);
  for (let n = 0; n < b.length; n++) {
    await assert.rejects(decode(b.subarray(0, n)), (e: unknown) => e instanceof SnapshotFormatError && /truncated|magic|header/.test(e.message), `cut at ${n}`);
  }
});

test('any flipped byte is refused', async () => {
  const b = await bytesOf(sample);
  for (let i = 0; i < b.length; i++) {
    const bad = Buffer.from(b);
    bad[i] = (bad[i] as number) ^ 0x40;
    await assert.rejects(decode(bad), SnapshotFormatError, `byte ${i}`);
  }
});

test('bytes after the trailer, keys out of order and a wrong count are refused even with a valid checksum', async () => {
  const b = await bytesOf(sample);
  await assert.rejects(decode(Buffer.concat([b, Buffer.from('x')])), /data after the trailer/);
  /** Re-signs `body` (everything before the hash) with a fresh checksum. */
  const signed = (body: Buffer): Buffer => Buffer.concat([body, createHash('sha256').update(body).digest()]);
  const body = b.subarray(0, b.length - 32);
  const swapped = await bytesOf([sample[1] as Entry, sample[0] as Entry]);
  await assert.rejects(decode(swapped), /keys out of order/);
  const miscounted = Buffer.from(body);
  miscounted.writeBigUInt64BE(9n, miscounted.length - 8);
  await assert.rejects(decode(signed(miscounted)), /the trailer counts 9 entries, the file holds 5/);
  await assert.rejects(decode(Buffer.from('not a snapshot at all')), /not a Ward snapshot/);
});

test('inspectSnapshot reports the header and entry count of a good snapshot and refuses a bad one', async () => {
  const b = await bytesOf(sample);
  assert.deepEqual(await inspectSnapshot(chunked(b, 5)), { header, entries: 5 });
  await assert.rejects(inspectSnapshot(chunked(b.subarray(0, b.length - 1), 5)), /truncated snapshot/);
});
