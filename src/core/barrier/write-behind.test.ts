import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SqlitePhysical } from '../../storage/sqlite/sqlite-physical.js';
import { AesGcmBarrier } from './barrier.js';
import { termOf } from './aes-gcm.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-write-thread-'));
/** Every barrier opened here, closed at the end even when a test fails midway. */
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;

/** A barrier on a fresh SQLite file, unsealed, so its writes go through the write thread. */
async function open(opts: { cacheEntries?: number; busyTimeoutMs?: number } = {}) {
  const path = join(dir, `w${n++}.db`);
  const physical = SqlitePhysical.open(path, opts.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: opts.busyTimeoutMs });
  const rootKey = randomBytes(32);
  const barrier = new AesGcmBarrier(physical, opts);
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    barrier.seal();
    await barrier.writesSettled();
    await physical.close();
  };
  closers.push(close);
  return { barrier, physical, path, rootKey, close };
}

const text = async (p: Promise<Buffer | null>) => (await p)?.toString('utf8') ?? null;

describe('barrier write thread (SQLite)', () => {
  test('a file store offers a second connection; a memory one does not', async () => {
    const file = SqlitePhysical.open(join(dir, 'offer.db'));
    const mem = SqlitePhysical.open(':memory:');
    assert.equal(file.writerOpener?.exportName, 'openSqliteWriter');
    assert.equal(mem.writerOpener, undefined);
    await Promise.all([file.close(), mem.close()]);
  });

  test('an acknowledged write is in the file, sealed under the active term', async () => {
    const { barrier, path, close } = await open();
    await barrier.put('kv/a', Buffer.from('one'));
    // A separate connection sees the committed row, and it is ciphertext.
    const raw = SqlitePhysical.open(path);
    const blob = await raw.get('kv/a');
    assert.ok(blob !== null);
    assert.equal(termOf(blob), 1);
    assert.equal(blob.includes(Buffer.from('one')), false);
    await raw.close();
    await close();
  });

  test('with no cache, reads see writes before they are acknowledged', async () => {
    const { barrier, close } = await open({ cacheEntries: 0 });
    const writes = [barrier.put('kv/a', Buffer.from('1')), barrier.put('kv/a', Buffer.from('2')), barrier.delete('kv/b')];
    assert.equal(await text(barrier.get('kv/a')), '2');
    assert.equal(await barrier.get('kv/b'), null);
    await Promise.all(writes);
    assert.equal(await text(barrier.get('kv/a')), '2');
    await close();
  });

  test('a decoded read of a write in flight gets the object written with it, before and after the commit', async () => {
    const { barrier, close } = await open();
    const decode = (raw: Buffer): unknown => Object.freeze(JSON.parse(raw.toString('utf8')) as object);
    const written = Object.freeze({ v: 1 });
    const w = barrier.putDecoded('kv/d', Buffer.from('{"v":1}'), decode, written);
    assert.equal(await barrier.getDecoded('kv/d', decode), written, 'in flight');
    await w;
    assert.equal(await barrier.getDecoded('kv/d', decode), written, 'committed, from the cache');
    const t = barrier.transaction([{ op: 'delete', key: 'kv/d' }]);
    assert.equal(await barrier.getDecoded('kv/d', decode), null);
    await t;
    assert.equal(await barrier.getDecoded('kv/d', decode), null);
    await close();
  });

  test('a listing includes writes still in flight', async () => {
    const { barrier, close } = await open();
    const w = barrier.put('kv/dir/x', Buffer.from('x'));
    assert.deepEqual(await barrier.list('kv/'), ['dir/']);
    await w;
    await barrier.delete('kv/dir/x');
    assert.deepEqual(await barrier.list('kv/'), []);
    await close();
  });

  test('writes issued just before seal still commit and read back after unseal', async () => {
    const { barrier, physical, rootKey, close } = await open();
    const writes = Array.from({ length: 50 }, (_, i) => barrier.put(`kv/k${i}`, Buffer.from(`v${i}`)));
    barrier.seal();
    await Promise.all(writes);
    await barrier.writesSettled();
    await barrier.unseal(rootKey);
    assert.equal(await text(barrier.get('kv/k49')), 'v49');
    assert.equal((await barrier.list('kv/')).length, 50);
    assert.ok(physical.writerOpener);
    await close();
  });

  test('after a rotation the thread seals under the new term, and old values stay readable', async () => {
    const { barrier, path, close } = await open();
    await barrier.put('kv/old', Buffer.from('before'));
    const { term } = await barrier.rotate();
    await barrier.put('kv/new', Buffer.from('after'));
    const raw = SqlitePhysical.open(path);
    assert.equal(termOf((await raw.get('kv/new'))!), term);
    assert.equal(termOf((await raw.get('kv/old'))!), 1);
    await raw.close();
    assert.equal(await text(barrier.get('kv/old')), 'before');
    await close();
  });

  test('a write the store refuses fails its caller and leaves the old value readable', async () => {
    const { barrier, path, close } = await open({ cacheEntries: 0, busyTimeoutMs: 50 });
    await barrier.put('kv/a', Buffer.from('kept'));
    // Another connection holds the write lock past the write thread's 50 ms busy timeout.
    const { default: Database } = await import('better-sqlite3');
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    await assert.rejects(barrier.put('kv/a', Buffer.from('lost')), (e: Error & { status?: number }) => e.status === 500 && /storage write failed/.test(e.message));
    blocker.exec('ROLLBACK');
    blocker.close();
    assert.equal(await text(barrier.get('kv/a')), 'kept');
    // The thread carries on: the next write commits.
    await barrier.put('kv/a', Buffer.from('next'));
    assert.equal(await text(barrier.get('kv/a')), 'next');
    await close();
  });
  test('a transaction through the thread is one commit: all of it or, when refused, none of it', async () => {
    const { barrier, path, close } = await open({ cacheEntries: 0, busyTimeoutMs: 50 });
    await barrier.put('kv/a', Buffer.from('kept'));
    const { default: Database } = await import('better-sqlite3');
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    const refused = barrier.transaction([
      { op: 'put', key: 'kv/a', value: Buffer.from('lost') },
      { op: 'put', key: 'kv/b', value: Buffer.from('lost') },
    ]);
    await assert.rejects(refused, (e: Error & { status?: number }) => e.status === 500 && /storage write failed/.test(e.message));
    blocker.exec('ROLLBACK');
    blocker.close();
    assert.equal(await text(barrier.get('kv/a')), 'kept');
    assert.equal(await barrier.get('kv/b'), null);

    await barrier.transaction([
      { op: 'put', key: 'kv/b', value: Buffer.from('two') },
      { op: 'delete', key: 'kv/a' },
    ]);
    // Committed in the file, not only in the barrier: another connection sees both ops.
    const raw = SqlitePhysical.open(path);
    assert.ok((await raw.get('kv/b')) !== null);
    assert.equal(await raw.get('kv/a'), null);
    await raw.close();
    assert.equal(await text(barrier.get('kv/b')), 'two');
    await close();
  });
});
