import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InmemPhysical } from '../../storage/inmem/inmem-physical.js';
import { SnapshotService, type SnapshotDeps } from './service.js';

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };

/** A service over an inmem store whose barrier seals with a stand-in tag; restores wait in `queued`. */
function setup() {
  const physical = new InmemPhysical();
  const queued: Array<() => Promise<void>> = [];
  const deps: SnapshotDeps = {
    physical,
    barrier: {
      get: async () => null,
      put: async () => undefined,
      delete: async () => undefined,
      list: async () => [],
      snapshotSealer: () => (sums: Buffer) => Buffer.from(sums.length.toString()),
      rootKeyFingerprint: () => 'f'.repeat(32),
      keyStatus: () => ({ term: 1 }),
    },
    restoreSoon: (apply) => queued.push(apply),
    logger: silent as unknown as SnapshotDeps['logger'],
  };
  return { physical, queued, service: new SnapshotService(deps) };
}

async function bytes(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

test('a second restore while one is waiting to be applied is refused; after it is applied, another is accepted', async () => {
  const { physical, queued, service } = setup();
  await physical.put('core/keyring', Buffer.from('ring'));
  await physical.put('a', Buffer.from('1'));
  const snap = await bytes(await service.save());
  await physical.put('b', Buffer.from('2'));

  await service.restore(once(snap), false);
  assert.equal(queued.length, 1);
  await assert.rejects(service.restore(once(snap), false), { message: 'a snapshot restore is already in progress' });
  assert.equal(queued.length, 1);

  await (queued[0] as () => Promise<void>)();
  assert.deepEqual(await physical.list(''), ['a', 'core/']);
  await service.restore(once(snap), false);
  assert.equal(queued.length, 2);
  await (queued[1] as () => Promise<void>)();
});

test('the HA lock and migration records are neither saved nor touched by a restore', async () => {
  const { physical, queued, service } = setup();
  await physical.put('core/keyring', Buffer.from('ring'));
  await physical.put('core/lock', Buffer.from('node-a'));
  await physical.put('core/migration', Buffer.from('{}'));
  const snap = await bytes(await service.save());
  assert.ok(!snap.includes(Buffer.from('node-a')));
  assert.ok(!snap.includes(Buffer.from('core/migration')));
  await physical.put('core/lock', Buffer.from('node-b'));
  await service.restore(once(snap), false);
  await (queued[0] as () => Promise<void>)();
  assert.equal((await physical.get('core/lock'))?.toString(), 'node-b');
  assert.equal(await physical.get('core/migration'), null);
});
