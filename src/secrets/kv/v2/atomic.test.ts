/**
 * A KV v2 write touches several keys (the new version, the metadata, versions purged by
 * max_versions); they commit as one storage transaction, so a write the store refuses
 * leaves the secret exactly as it was.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WardError } from '../../../sdk/errors.js';
import { InmemStorage, type StorageOp } from '../../../sdk/storage.js';
import { mount, type Obj } from './mount.test-helper.js';

/** Refuses any write carrying a value over `limit` bytes, as etcd refuses a large request: all of it. */
class LimitedStorage extends InmemStorage {
  constructor(private readonly limit: number) {
    super();
  }
  private check(values: Buffer[]): void {
    if (values.some((v) => v.length > this.limit)) throw new WardError('too_large', 'value too large for the storage engine');
  }
  override async put(key: string, value: Buffer): Promise<void> {
    this.check([value]);
    return super.put(key, value);
  }
  override async transaction(ops: StorageOp[]): Promise<void> {
    this.check(ops.flatMap((o) => (o.op === 'put' ? [o.value] : [])));
    return super.transaction(ops);
  }
}

describe('kv v2 writes are all or nothing', () => {
  for (const op of ['update', 'patch'] as const) {
    it(`a refused ${op} keeps the previous version readable and the metadata unchanged, also with max_versions 1`, async () => {
      const kv = mount(Date.parse('2024-05-01T10:00:00Z'), new LimitedStorage(1000));
      await kv.call('update', 'metadata/app', { max_versions: 1 });
      kv.clock.t += 1000;
      await kv.call('update', 'data/app', { data: { v: 'small' } });
      const before = await kv.data('read', 'metadata/app');
      kv.clock.t += 1000;
      const big = { data: { v: 'x'.repeat(5000) } };
      await assert.rejects(kv.call(op, 'data/app', big), (e: WardError) => e.status === 413);
      assert.deepEqual(await kv.data('read', 'metadata/app'), before, 'metadata as it was');
      const read = await kv.data('read', 'data/app');
      assert.deepEqual(read.data, { v: 'small' }, 'the version max_versions would have purged is still there');
      assert.equal((read.metadata as Obj).version, 1);
    });
  }

  it('a refused first write leaves no secret behind', async () => {
    const kv = mount(Date.parse('2024-05-01T10:00:00Z'), new LimitedStorage(1000));
    await assert.rejects(kv.call('update', 'data/new', { data: { v: 'x'.repeat(5000) } }), (e: WardError) => e.status === 413);
    assert.equal(await kv.call('read', 'metadata/new'), null);
    assert.equal(await kv.call('read', 'data/new'), null);
    assert.deepEqual(await kv.call('list', 'metadata/'), { data: { keys: [] } });
  });

  it('version data and metadata are written in one transaction; destroy and metadata delete too', async () => {
    const store = new (class extends InmemStorage {
      txs: string[][] = [];
      override async transaction(ops: StorageOp[]): Promise<void> {
        this.txs.push(ops.map((o) => `${o.op} ${o.key}`));
        return super.transaction(ops);
      }
    })();
    const kv = mount(Date.parse('2024-05-01T10:00:00Z'), store);
    await kv.call('update', 'metadata/s', { max_versions: 2 });
    for (let i = 1; i <= 3; i++) await kv.call('update', 'data/s', { data: { i } });
    assert.deepEqual(store.txs.at(-1), ['put versions/s/3', 'delete versions/s/1', 'put metadata/s']);
    await kv.call('update', 'destroy/s', { versions: '2' });
    assert.deepEqual(store.txs.at(-1), ['delete versions/s/2', 'put metadata/s']);
    await kv.call('delete', 'metadata/s');
    assert.deepEqual(store.txs.at(-1), ['delete versions/s/2', 'delete versions/s/3', 'delete metadata/s']);
    assert.equal(await kv.call('read', 'metadata/s'), null);
  });
});
