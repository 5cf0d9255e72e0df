import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { exercisePhysical } from '../conformance.js';
import { SqlitePhysical, successor } from './sqlite-physical.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { turnsDuring } from '../../../test/helpers/loop.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const freshPath = (): string => join(dir, `db-${process.pid}-${seq++}.sqlite`);

exercisePhysical('sqlite', async () => SqlitePhysical.open(freshPath()));
exercisePhysical('sqlite, syncing on its own thread', async () => SqlitePhysical.open(freshPath(), { syncOnThread: true }));

test('sqlite: syncing on its own thread, every commit is synced before it is acknowledged', { timeout: 10_000 }, async () => {
  const s = SqlitePhysical.open(freshPath(), { syncOnThread: true });
  try {
    // Each awaited put is its own commit; a sync left marked as running would hang the second.
    for (let i = 0; i < 3; i++) {
      await s.put(`seq/${i}`, Buffer.from('x'));
      assert.equal(s.syncs, s.commits, `after put ${i}`);
    }
    const before = s.syncs;
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.put(`k/${i}`, Buffer.from(String(i)))));
    assert.equal(s.syncs - before, 1, 'one commit, one sync');
  } finally {
    await s.close();
  }
});

test('sqlite: 1000 puts issued in one turn are one commit; awaited puts are one commit each', async () => {
  const s = SqlitePhysical.open(freshPath());
  try {
    const before = s.commits;
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.put(`k/${i}`, Buffer.from(String(i)))));
    assert.equal(s.commits - before, 1);
    assert.equal((await s.list('k/')).length, 1000);
    for (let i = 0; i < 3; i++) await s.put(`seq/${i}`, Buffer.from('x'));
    assert.equal(s.commits - before, 4);
  } finally {
    await s.close();
  }
});

test('sqlite: listing a folder of 30,000 entries lets the event loop turn, and misses none', async () => {
  const s = SqlitePhysical.open(freshPath());
  try {
    const names = Array.from({ length: 30_000 }, (_, i) => `lease-${String(i).padStart(5, '0')}`);
    await s.transaction(names.map((n) => ({ op: 'put' as const, key: `big/${n}`, value: Buffer.from('x') })));
    // Folders inside the big one, at page boundaries and at the ends.
    await s.transaction(['big/a/x', 'big/lease-01000/child', 'big/z/y'].map((key) => ({ op: 'put' as const, key, value: Buffer.from('x') })));
    const { turns, value } = await turnsDuring(() => s.list('big/'));
    assert.ok(turns > 0, 'the listing held the loop from start to end');
    assert.deepEqual(value, [...names, 'a/', 'lease-01000/', 'z/'].sort());
    // A small listing stays one synchronous read.
    assert.equal((await turnsDuring(() => s.list('big/a/'))).turns, 0);
  } finally {
    await s.close();
  }
});

test('sqlite: data survives close and reopen; close commits queued writes first', async () => {
  const path = freshPath();
  const s = SqlitePhysical.open(path);
  await s.put('a/b', Buffer.from('durable'));
  const queued = s.put('queued', Buffer.from('flushed-by-close'));
  const deleted = s.delete('a/b');
  await s.close();
  await queued;
  await deleted;
  await assert.rejects(s.get('queued'), /closed/);
  await assert.rejects(s.put('x', Buffer.from('y')), /closed/);

  const again = SqlitePhysical.open(path);
  try {
    assert.equal((await again.get('queued'))?.toString(), 'flushed-by-close');
    assert.equal(await again.get('a/b'), null);
    assert.deepEqual(await again.list(''), ['queued']);
  } finally {
    await again.close();
  }
  const raw = new Database(path, { readonly: true });
  try {
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    raw.close();
  }
});

test('sqlite: a failed commit rejects its writers, does not crash, and later writes succeed', async () => {
  const path = freshPath();
  const s = SqlitePhysical.open(path, { busyTimeoutMs: 0 });
  const other = new Database(path);
  try {
    await s.put('before', Buffer.from('1'));
    other.exec('BEGIN EXCLUSIVE'); // another writer holds the lock: our commit gets SQLITE_BUSY
    const results = await Promise.allSettled([s.put('lost', Buffer.from('2')), s.delete('before')]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /locked|busy/i);
    other.exec('ROLLBACK');
    // The failed batch is gone, not half-applied, and reads no longer see it.
    assert.equal(await s.get('lost'), null);
    assert.equal((await s.get('before'))?.toString(), '1');
    await s.put('after', Buffer.from('3'));
    assert.deepEqual(await s.list(''), ['after', 'before']);
  } finally {
    other.close();
    await s.close();
  }
});

test('sqlite: successor bounds every key with the prefix', () => {
  assert.equal(successor(''), null);
  assert.equal(successor('a/'), 'a0');
  assert.equal(successor('x\u{d7ff}'), 'x\u{e000}');
  assert.equal(successor('ab\u{10ffff}'), 'ac');
  assert.equal(successor('\u{10ffff}'), null);
});

test('sqlite: every acknowledged put survives kill -9', async () => {
  const path = freshPath();
  // The child streams puts without ever waiting, so the kill lands while batches are queued
  // and committing; it prints a key only after that key's put promise resolved. Each turn
  // then burns a few ms of CPU (as a busy request handler would): a store that acknowledged
  // before committing would be killed in that window with acknowledged keys unwritten.
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { SqlitePhysical } = await import(${JSON.stringify(new URL('./sqlite-physical.js', import.meta.url).href)});
    const s = SqlitePhysical.open(${JSON.stringify(path)});
    let i = 0;
    const pump = () => {
      for (let j = 0; j < 20; j++) {
        const k = 'k/' + i++;
        s.put(k, Buffer.from('v-' + k)).then(() => process.stdout.write(k + '\\n'));
      }
      queueMicrotask(() => { const until = Date.now() + 3; while (Date.now() < until); });
      setImmediate(pump);
    };
    pump();
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.split('\n').length > 2000 && !child.killed) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => resolve());
  });
  assert.equal(await exited, 'SIGKILL');
  // Only complete lines are acknowledgements; a torn last line is not.
  const acked = text.split('\n').slice(0, -1);
  assert.ok(acked.length >= 2000, `child acknowledged only ${acked.length} writes`);

  const s = SqlitePhysical.open(path);
  try {
    const missing: string[] = [];
    for (const k of acked) if ((await s.get(k))?.toString() !== `v-${k}`) missing.push(k);
    assert.deepEqual(missing, [], `${missing.length} acknowledged writes lost`);
  } finally {
    await s.close();
  }
});

test('sqlite: a write is acknowledged only after the WAL sync that follows its commit', async () => {
  // A sync we release by hand: the put must stay pending while its commit is not on disk.
  const calls: Array<(err: NodeJS.ErrnoException | null) => void> = [];
  const s = SqlitePhysical.open(freshPath(), { fdatasync: (_fd, done) => calls.push(done) });
  try {
    let acked = false;
    const put = s.put('k', Buffer.from('v')).then(() => (acked = true));
    await waitFor('the first sync to start', () => calls.length === 1);
    assert.equal(s.commits, 1);
    assert.equal(acked, false, 'acknowledged before its commit was synced');
    // Visible to this process already; only the writer waits.
    assert.equal((await s.get('k'))?.toString(), 'v');
    // A commit made while that sync runs needs a sync of its own.
    let secondAcked = false;
    const second = s.put('k2', Buffer.from('v2')).then(() => (secondAcked = true));
    await waitFor('the second commit', () => s.commits === 2);
    assert.equal(calls.length, 1, 'a second sync started before the first settled');
    calls[0]!(null);
    await put;
    assert.equal(acked, true);
    await waitFor('the second sync to start', () => calls.length === 2);
    assert.equal(secondAcked, false, 'the second write rode on a sync that began before its commit');
    calls[1]!(null);
    await second;
    assert.equal(s.syncs, 2);
  } finally {
    const closing = s.close();
    for (const done of calls.slice(2)) done(null);
    await closing;
  }
});

test('sqlite: a failed WAL sync rejects the writers it covered, and later writes still succeed', async () => {
  let fail = true;
  const s = SqlitePhysical.open(freshPath(), {
    fdatasync: (_fd, done) => setImmediate(() => done(fail ? Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }) : null)),
  });
  try {
    const results = await Promise.allSettled([s.put('a', Buffer.from('1')), s.put('b', Buffer.from('2'))]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /EIO/);
    fail = false;
    await s.put('c', Buffer.from('3'));
    assert.equal((await s.get('c'))?.toString(), '3');
  } finally {
    await s.close();
  }
});
