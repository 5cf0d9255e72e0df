import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InmemPhysical } from '../../storage/inmem/inmem-physical.js';
import type { PhysicalBackend, TxOp } from '../../storage/physical.js';
import { SqlitePhysical } from '../../storage/sqlite/sqlite-physical.js';
import { migrate, MigrateAborted, resetMigrationLock } from './migrate.js';
import { MIGRATION_LOCK, PROGRESS_KEY, readLock, readProgress } from './records.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-migrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sqlite = (): SqlitePhysical => SqlitePhysical.open(join(dir, `s${n++}.db`));

/** A store shaped like Ward's: plaintext bootstrap records, then many encrypted-looking entries. */
async function populate(s: PhysicalBackend, count = 1300): Promise<void> {
  await s.put('core/seal-config', Buffer.from('{"type":"shamir","secret_shares":1,"secret_threshold":1}'));
  await s.put('core/keyring', Buffer.from([1, 2, 3, 0, 255]));
  await s.put('core/lock', Buffer.from('node-a')); // HA lock: never migrated
  await Promise.all(Array.from({ length: count }, (_, i) => s.put(`logical/${String(i).padStart(5, '0')}/ünï`, Buffer.from(`value ${i} \u{1F511}`))));
}

async function entries(s: PhysicalBackend): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const batch of s.scan()) for (const e of batch) out.push([e.key, e.value.toString('base64')]);
  return out;
}

const withoutLock = (es: Array<[string, string]>) => es.filter(([k]) => k !== 'core/lock');

/** `s` with its transaction replaced (the failure or hang a destination can show). */
function withTransaction(s: PhysicalBackend, tx: (ops: TxOp[], real: (ops: TxOp[]) => Promise<void>) => Promise<void>): PhysicalBackend {
  return {
    name: s.name,
    get: (k) => s.get(k),
    put: (k, v) => s.put(k, v),
    delete: (k) => s.delete(k),
    list: (p) => s.list(p),
    scan: () => s.scan(),
    close: () => s.close(),
    transaction: (ops) => tx(ops, (o) => s.transaction(o)),
  };
}

test('SQLite to SQLite: every entry but the HA lock arrives byte for byte, verified; no bookkeeping left behind', async () => {
  const src = sqlite();
  const dst = sqlite();
  await populate(src);
  const lines: string[] = [];
  const r = await migrate(src, dst, { log: (l) => lines.push(l) });
  assert.equal(r.entries, 1302);
  assert.equal(r.copied, 1302);
  assert.equal(r.resumedAfter, null);
  assert.match(r.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(await entries(dst), withoutLock(await entries(src)));
  assert.equal(await dst.get('core/lock'), null);
  assert.equal(await readLock(src), null, 'the source lock is released');
  assert.equal(await readProgress(dst), null, 'the progress record is removed');
  assert.ok(lines.some((l) => /copied \d+ entries/.test(l)), lines.join('\n'));
  await Promise.all([src.close(), dst.close()]);
});

test('SQLite to inmem', async () => {
  const src = sqlite();
  const dst = new InmemPhysical();
  await populate(src, 50);
  const r = await migrate(src, dst, {});
  assert.equal(r.entries, 52);
  assert.deepEqual(await entries(dst), withoutLock(await entries(src)));
  await Promise.all([src.close(), dst.close()]);
});

test('a non-empty destination is refused and left alone unless -force', async () => {
  const src = sqlite();
  const dst = sqlite();
  await populate(src, 20);
  await dst.put('core/keyring', Buffer.from('another cluster'));
  await assert.rejects(migrate(src, dst, {}), /destination storage is not empty \(it holds "core\/keyring"/);
  assert.deepEqual(await entries(dst), [['core/keyring', Buffer.from('another cluster').toString('base64')]]);
  assert.equal(await readLock(src), null);
  const r = await migrate(src, dst, { force: true });
  assert.equal(r.entries, 22);
  assert.deepEqual(await entries(dst), withoutLock(await entries(src)));
  await Promise.all([src.close(), dst.close()]);
});

test('a migration lock on the source refuses a second migration until -reset', async () => {
  const src = sqlite();
  await populate(src, 5);
  await src.put(MIGRATION_LOCK, Buffer.from('{"start":"2026-01-02T03:04:05Z"}'));
  const dst = sqlite();
  await assert.rejects(migrate(src, dst, {}), /storage migration in progress \(started: 2026-01-02T03:04:05Z\)/);
  assert.deepEqual(await entries(dst), []);
  await resetMigrationLock(src);
  assert.equal(await src.get(MIGRATION_LOCK), null);
  assert.equal((await migrate(src, dst, {})).entries, 7);
  await Promise.all([src.close(), dst.close()]);
});

test('a migration that failed part-way resumes where it stopped when run again', async () => {
  const src = sqlite();
  const dst = sqlite();
  await populate(src, 1300);
  let txs = 0;
  const flaky = withTransaction(dst, async (ops, real) => {
    if (++txs > 12) throw new Error('connection reset by peer');
    await real(ops);
  });
  await assert.rejects(migrate(src, flaky, {}), /connection reset by peer/);
  const progress = await readProgress(dst);
  assert.ok(progress !== null && progress.copied > 0 && progress.copied < 1302, JSON.stringify(progress));
  assert.equal(await readLock(src), null, 'an error releases the lock, as Vault does');
  const lines: string[] = [];
  const r = await migrate(src, dst, { log: (l) => lines.push(l) });
  assert.equal(r.resumedAfter, progress?.last_key);
  assert.equal(r.copied, 1302 - (progress?.copied ?? 0));
  assert.equal(r.entries, 1302);
  assert.ok(lines.some((l) => l.includes(`resuming after "${progress?.last_key}"`)), lines.join('\n'));
  assert.deepEqual(await entries(dst), withoutLock(await entries(src)));
  await Promise.all([src.close(), dst.close()]);
});

test('a migration killed mid-copy (lock still held) resumes when run again', async () => {
  const path = join(dir, `killed-src.db`);
  const dstPath = join(dir, `killed-dst.db`);
  const src = SqlitePhysical.open(path);
  const dst = SqlitePhysical.open(dstPath);
  await populate(src, 1300);
  let txs = 0;
  let stuck = (): void => undefined;
  const reached = new Promise<void>((r) => (stuck = r));
  // The third write never returns: the process is gone as far as this migration knows.
  const hanging = withTransaction(dst, async (ops, real) => {
    if (++txs === 20) {
      stuck();
      return new Promise<void>(() => undefined);
    }
    await real(ops);
  });
  void migrate(src, hanging, {});
  await reached;
  const lock = await readLock(src);
  assert.ok(lock !== null && lock.id !== '', 'the lock stays behind');
  // A "restarted" migrate: new connections to the same files.
  const src2 = SqlitePhysical.open(path);
  const dst2 = SqlitePhysical.open(dstPath);
  const r = await migrate(src2, dst2, {});
  assert.ok(r.resumedAfter !== null);
  assert.ok(r.copied < 1302);
  assert.deepEqual(await entries(dst2), withoutLock(await entries(src2)));
  assert.equal(await readLock(src2), null);
  await Promise.all([src2.close(), dst2.close(), src.close()]);
});

test('an aborted migration (Ctrl-C) stops at a batch boundary, releases the lock and resumes when run again', async () => {
  const src = sqlite();
  const dst = sqlite();
  await populate(src, 1300);
  const stop = new AbortController();
  const first = migrate(src, dst, { signal: stop.signal, log: (l) => l.startsWith('copied') && stop.abort() });
  await assert.rejects(first, (e: unknown) => e instanceof MigrateAborted && e.message === 'Migration aborted');
  assert.equal(await readLock(src), null);
  const progress = await readProgress(dst);
  assert.ok(progress !== null && progress.copied < 1302);
  const r = await migrate(src, dst, {});
  assert.equal(r.resumedAfter, progress?.last_key);
  assert.deepEqual(await entries(dst), withoutLock(await entries(src)));
  await Promise.all([src.close(), dst.close()]);
});

test('-start copies only keys at or after it (Vault\'s manual resume)', async () => {
  const src = sqlite();
  const dst = sqlite();
  await populate(src, 30);
  // The keys before "logical/00010" are already there, as after an earlier partial run.
  for (const [k, v] of withoutLock(await entries(src))) if (k < 'logical/00010') await dst.put(k, Buffer.from(v, 'base64'));
  const r = await migrate(src, dst, { start: 'logical/00010' });
  assert.equal(r.copied, 20);
  assert.equal(r.entries, 32);
  assert.deepEqual(await entries(dst), withoutLock(await entries(src)));
  await Promise.all([src.close(), dst.close()]);
});

test('verification fails when the destination does not end up equal to the source', async () => {
  const src = sqlite();
  const dst = sqlite();
  await populate(src, 10);
  const lossy = withTransaction(dst, async (ops, real) => real(ops.filter((o) => o.key !== 'logical/00003/ünï')));
  await assert.rejects(migrate(src, lossy, {}), /verification failed: the source holds 12 entries \(sha256 [0-9a-f]{12}…\), the destination 11 \(sha256 [0-9a-f]{12}…\)/);
  assert.equal(await readLock(src), null);
  assert.notEqual(await dst.get(PROGRESS_KEY), null, 'the progress record stays for a rerun');
  await Promise.all([src.close(), dst.close()]);
});
