import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, LogicalRequest, Operation } from '../../../sdk/logical.js';
import { InmemStorage, listRecursive, type Storage } from '../../../sdk/storage.js';
import { rfc3339 } from '../../../lib/clock.js';
import { kvV2Backend } from './backend.js';
import { findVersion, readMetadata, readVersion, versionEntry, writeMetadata } from './layout.js';
import { migrateV1ToV2, pendingV1Keys, upgradeNeeded, UPGRADE_MARKER, UPGRADING_MESSAGE, withV1Upgrade } from './upgrade.js';
import { emptyMetadata } from './versions.js';
import { waitFor } from '../../../../test/helpers/wait.js';
import { isWardError } from '../../../../test/helpers/errors.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const clock = { now: () => T0 };

const put = (s: Storage, key: string, v: unknown) => s.put(key, Buffer.from(JSON.stringify(v), 'utf8'));

/** A v1 store: flat, nested and deep keys. */
async function v1Store(): Promise<InmemStorage> {
  const s = new InmemStorage();
  await put(s, 'top', { a: '1' });
  await put(s, 'team/db', { user: 'u', n: 2 });
  await put(s, 'team/api', { token: 't' });
  await put(s, 'a/b/c', { deep: true });
  await put(s, 'a/b', { shadow: 'leaf beside folder' });
  return s;
}
const V1 = { top: { a: '1' }, 'team/db': { user: 'u', n: 2 }, 'team/api': { token: 't' }, 'a/b/c': { deep: true }, 'a/b': { shadow: 'leaf beside folder' } };

/** Counts storage calls, and can hold every put until released. */
class ProbeStorage extends InmemStorage {
  calls: string[] = [];
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.gate = null;
    this.open();
  }
  override async get(key: string) {
    this.calls.push(`get ${key}`);
    return super.get(key);
  }
  override async put(key: string, value: Buffer) {
    this.calls.push(`put ${key}`);
    if (this.gate) await this.gate;
    return super.put(key, value);
  }
  override async list(prefix: string) {
    this.calls.push(`list ${prefix}`);
    return super.list(prefix);
  }
}

function request(storage: Storage, operation: Operation, path: string, data: Record<string, unknown> = {}): LogicalRequest {
  return {
    id: 'r', operation, path, data, storage, mountPoint: 'kv/', mountType: 'kv', mountAccessor: 'kv_1', clientToken: '', caller: null,
    connection: { remoteAddress: '127.0.0.1', remotePort: 1 }, headers: {}, wrapTtl: 0,
  };
}

async function assertMigrated(s: Storage, expected: Record<string, unknown> = V1): Promise<void> {
  for (const [key, data] of Object.entries(expected)) {
    const meta = await readMetadata(s, key);
    assert.ok(meta, `metadata for ${key}`);
    assert.equal(meta.current_version, 1);
    assert.deepEqual(meta.versions.map((e) => e.version), [1]);
    assert.deepEqual(await readVersion(s, key, 1), data, key);
  }
  assert.deepEqual(await pendingV1Keys(s), []);
  assert.ok(await s.get(UPGRADE_MARKER));
}

describe('kv v1 → v2 upgrade', () => {
  it('a fresh v2 mount writes the marker; later starts cost one get', async () => {
    const s = new ProbeStorage();
    assert.equal(await upgradeNeeded(s), false);
    assert.ok(await s.get(UPGRADE_MARKER));
    s.calls = [];
    assert.equal(await upgradeNeeded(s), false);
    assert.deepEqual(s.calls, [`get ${UPGRADE_MARKER}`]);
  });

  it('a v2 mount older than the marker (layout keys only) is not migrated', async () => {
    const s = new InmemStorage();
    await put(s, 'config', { max_versions: 3 });
    await writeMetadata(s, 'x', emptyMetadata(rfc3339(T0)));
    await put(s, 'versions/x/1', { v: 1 });
    assert.equal(await upgradeNeeded(s), false);
    assert.deepEqual((await listRecursive(s)).sort(), ['config', 'metadata/x', UPGRADE_MARKER, 'versions/x/1']);
  });

  it('migrates every v1 key to version 1 + metadata and deletes it', async () => {
    const s = await v1Store();
    assert.equal(await upgradeNeeded(s), true);
    const r = await migrateV1ToV2(s, { clock });
    assert.deepEqual(r, { migrated: 5, resumed: 0, skipped: [], completed: true });
    await assertMigrated(s);
    const meta = await readMetadata(s, 'team/db');
    assert.equal(meta?.created_time, rfc3339(T0));
    assert.equal(meta === null ? undefined : findVersion(meta, 1)?.created_time, rfc3339(T0));
    assert.equal(await upgradeNeeded(s), false);
    // The v2 engine serves it: version 1 readable, next write is version 2.
    const kv = kvV2Backend({ clock });
    assert.deepEqual((await kv.handleRequest(request(s, 'read', 'data/a/b/c')))?.data?.data, { deep: true });
    assert.deepEqual((await kv.handleRequest(request(s, 'list', 'metadata/')))?.data?.keys, ['a/', 'team/', 'top']);
    assert.equal((await kv.handleRequest(request(s, 'update', 'data/top', { data: { a: '2' } })))?.data?.version, 2);
  });

  it('an interrupted migration resumes: nothing lost, nothing migrated twice', async () => {
    const s = await v1Store();
    let n = 0;
    const first = await migrateV1ToV2(s, { clock, shouldStop: () => n++ >= 2 });
    assert.equal(first.completed, false);
    assert.equal(await s.get(UPGRADE_MARKER), null, 'no marker before the end');
    assert.ok(first.migrated >= 1 && first.migrated < 5, `migrated ${first.migrated}`);
    const left = await pendingV1Keys(s);
    assert.equal(left.length, 5 - first.migrated);
    // Crash between "copy written" and "v1 key deleted", with the version write lost.
    const torn = left[0]!;
    await writeMetadata(s, torn, { ...emptyMetadata(rfc3339(T0 - 1000)), current_version: 1, versions: [versionEntry(1, { created_time: rfc3339(T0 - 1000), deletion_time: '', destroyed: false })] });
    assert.equal(await upgradeNeeded(s), true);
    const second = await migrateV1ToV2(s, { clock: { now: () => T0 + 5000 } });
    assert.equal(second.completed, true);
    assert.equal(second.resumed, 1);
    assert.equal(first.migrated + second.migrated + second.resumed, 5);
    await assertMigrated(s);
    assert.equal((await readMetadata(s, torn))?.created_time, rfc3339(T0 - 1000), 'existing metadata kept');
  });

  it('leaves a value it cannot copy in place and still finishes', async () => {
    const s = await v1Store();
    await s.put('junk', Buffer.from('not json'));
    const r = await migrateV1ToV2(s, { clock });
    assert.deepEqual(r.skipped, ['junk']);
    assert.ok(r.completed);
    assert.equal((await s.get('junk'))?.toString(), 'not json');
    assert.equal(await readMetadata(s, 'junk'), null);
  });

  it('a v1 secret named upgrade-done is data, not the marker', async () => {
    const s = new InmemStorage();
    await put(s, UPGRADE_MARKER, { secret: 'x' });
    assert.equal(await upgradeNeeded(s), true);
    await migrateV1ToV2(s, { clock });
    assert.deepEqual(await readVersion(s, UPGRADE_MARKER, 1), { secret: 'x' });
    assert.equal(await upgradeNeeded(s), false);
  });

  it('the backend answers 400 while upgrading, then serves the migrated data', async () => {
    const s = new ProbeStorage();
    await put(s, 'k', { v: 1 });
    s.hold();
    const b: Backend = await withV1Upgrade(kvV2Backend({ clock }), s, { clock, graceMs: 0 });
    for (const [op, path] of [['read', 'data/k'], ['list', 'metadata/'], ['update', 'config']] as const) {
      await assert.rejects(b.handleRequest(request(s, op, path, { data: {} })), isWardError(400, UPGRADING_MESSAGE));
    }
    assert.equal(await b.existenceCheck(request(s, 'update', 'data/new')), undefined);
    s.release();
    await waitFor('the upgrade marker', async () => (await s.get(UPGRADE_MARKER)) !== null, { intervalMs: 5 });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual((await b.handleRequest(request(s, 'read', 'data/k')))?.data?.data, { v: 1 });
    assert.equal(await b.existenceCheck(request(s, 'update', 'data/new')), false);
  });

  it('a short migration finishes within the grace: clients never see the 400', async () => {
    const s = await v1Store();
    const b = await withV1Upgrade(kvV2Backend({ clock }), s, { clock, graceMs: 2000 });
    assert.deepEqual((await b.handleRequest(request(s, 'read', 'data/team/api')))?.data?.data, { token: 't' });
  });

  it('cleanup stops a running migration without writing the marker', async () => {
    const s = new ProbeStorage();
    for (let i = 0; i < 40; i++) await put(s, `k${i}`, { i });
    s.hold();
    const b = await withV1Upgrade(kvV2Backend({ clock }), s, { clock, graceMs: 0 });
    const done = b.cleanup!();
    s.release();
    await done;
    assert.equal(await s.get(UPGRADE_MARKER), null);
    assert.ok((await pendingV1Keys(s)).length > 0, 'stopped before the end');
    // The next start resumes and completes.
    await withV1Upgrade(kvV2Backend({ clock }), s, { clock, graceMs: 2000 }).then((nb) => nb.handleRequest(request(s, 'read', 'data/k0')));
    assert.deepEqual(await pendingV1Keys(s), []);
    assert.ok(await s.get(UPGRADE_MARKER));
  });

  it('a native v2 start is returned unwrapped', async () => {
    const inner = kvV2Backend();
    assert.equal(await withV1Upgrade(inner, new InmemStorage()), inner);
  });
});
