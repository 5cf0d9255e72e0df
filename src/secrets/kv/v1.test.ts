import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger, type Backend } from '../../sdk/logical.js';
import { driveBackend, testRequest } from '../../sdk/testing.js';
import { InmemStorage } from '../../sdk/storage.js';
import { kvFactory } from './index.js';
import { rejectsWard } from '../../../test/helpers/errors.js';

/** Drives a backend the way the core does: existence check first for writes, then the handler. */
const harness = (backend: Backend) => driveBackend(backend, new InmemStorage(), { mountPoint: 'secret/', mountType: 'kv' });

const v1 = async (options: Record<string, string> = {}) =>
  harness(
    await kvFactory({
      storage: new InmemStorage(),
      mountPoint: 'secret/',
      mountType: 'kv',
      system: { defaultLeaseTtl: () => 2764800, maxLeaseTtl: () => 2764800, options: () => options },
      logger: silentLogger,
    }),
  );

describe('kv v1', () => {
  it('writes, reads back the stored map verbatim and deletes', async () => {
    const { call } = await v1({ version: '1' });
    assert.equal(await call('update', 'foo', { a: 1, path: 'kept', nested: { b: [1, 2] } }), null);
    const res = await call('read', 'foo');
    assert.deepEqual(res, { data: { a: 1, path: 'kept', nested: { b: [1, 2] } }, ttlHint: 2764800 });
    await call('update', 'foo', { only: 'this' });
    assert.deepEqual((await call('read', 'foo'))?.data, { only: 'this' }, 'a write replaces the whole secret');
    assert.equal(await call('delete', 'foo'), null);
    assert.equal(await call('read', 'foo'), null);
  });

  it('answers reads of missing keys with nothing (core renders 404)', async () => {
    const { call } = await v1();
    assert.equal(await call('read', 'nope'), null);
  });

  it('decides create vs update with the existence check', async () => {
    const backend = await kvFactory({
      storage: new InmemStorage(), mountPoint: 'secret/', mountType: 'kv', logger: silentLogger,
      system: { defaultLeaseTtl: () => 0, maxLeaseTtl: () => 0, options: () => ({}) },
    });
    const storage = new InmemStorage();
    const req = (path: string) => testRequest(storage, 'update', path, { a: 1 });
    assert.equal(await backend.existenceCheck(req('x')), false);
    await backend.handleRequest(req('x'));
    assert.equal(await backend.existenceCheck(req('x')), true);
  });

  it('refuses an empty write', async () => {
    const { call } = await v1();
    await rejectsWard(call('update', 'foo', {}), 400, /missing data fields/);
  });

  it('reports ttl or lease as a TTL hint, else the mount default lease TTL', async () => {
    const { call } = await v1();
    await call('update', 'a', { v: 1, ttl: '1h' });
    await call('update', 'b', { v: 1, lease: 30 });
    await call('update', 'c', { v: 1 });
    assert.equal((await call('read', 'a'))?.ttlHint, 3600);
    assert.equal((await call('read', 'b'))?.ttlHint, 30);
    assert.equal((await call('read', 'c'))?.ttlHint, 2764800);
    await rejectsWard(call('update', 'd', { ttl: 'soon' }), 400, /ttl/);
  });

  it('lists leaves and folders with a trailing slash', async () => {
    const { call } = await v1();
    await call('update', 'a', { v: 1 });
    await call('update', 'dir/b', { v: 1 });
    await call('update', 'dir/sub/c', { v: 1 });
    assert.deepEqual(await call('list', ''), { data: { keys: ['a', 'dir/'] } });
    assert.deepEqual(await call('list', 'dir/'), { data: { keys: ['b', 'sub/'] } });
    assert.deepEqual(await call('list', 'empty/'), { data: { keys: [] } });
  });

  it('never warns about unrecognised parameters', async () => {
    const { call } = await v1();
    await call('update', 'w', { anything: 'goes' });
    assert.equal((await call('read', 'w'))?.warnings, undefined);
  });

  it('serves the versioned engine when options.version is "2"', async () => {
    const { call } = await v1({ version: '2' });
    const res = await call('update', 'data/foo', { data: { a: 1 } });
    assert.equal((res?.data as Record<string, unknown>).version, 1);
    assert.equal((await call('read', 'foo'))?.status, 404);
  });
});
