import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testRequest } from '../../../sdk/testing.js';
import { listRecursive } from '../../../sdk/storage.js';
import { mount, rejects, type Obj } from './mount.test-helper.js';
import { INVALID_PATH_WARNING } from './context.js';
import { rejectsWard } from '../../../../test/helpers/errors.js';


const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

describe('kv v2 data/', () => {
  it('writes versions 1..3 and reads each back', async () => {
    const kv = mount();
    for (let i = 1; i <= 3; i++) {
      kv.clock.t += 1000;
      const meta = await kv.data('update', 'data/app/db', { data: { n: i } });
      assert.equal(meta.version, i);
      assert.match(String(meta.created_time), RFC3339_NANO);
      assert.deepEqual({ ...meta, created_time: 'x' }, { created_time: 'x', custom_metadata: null, deletion_time: '', destroyed: false, version: i });
    }
    const latest = await kv.data('read', 'data/app/db');
    assert.deepEqual(latest.data, { n: 3 });
    assert.equal((latest.metadata as Obj).version, 3);
    assert.equal((latest.metadata as Obj).created_time, '2024-05-01T10:00:03.000000000Z');
    assert.deepEqual((await kv.data('read', 'data/app/db', { version: '2' })).data, { n: 2 }, 'query strings coerce');
    assert.deepEqual((await kv.data('read', 'data/app/db', { version: 1 })).data, { n: 1 });
    assert.deepEqual((await kv.data('read', 'data/app/db', { version: 0 })).data, { n: 3 });
    assert.equal(await kv.call('read', 'data/app/db', { version: 9 }), null);
    assert.equal(await kv.call('read', 'data/missing'), null);
  });

  it('runs the existence check on metadata (create for new keys, update after)', async () => {
    const kv = mount();
    const req = testRequest(kv.storage, 'update', 'data/k');
    assert.equal(await kv.backend.existenceCheck(req), false);
    await kv.call('update', 'data/k', { data: { a: 1 } });
    assert.equal(await kv.backend.existenceCheck(req), true);
  });

  it('refuses writes without data', async () => {
    const kv = mount();
    await rejects(kv.call('update', 'data/k', {}), 400, 'no data provided');
    await rejects(kv.call('update', 'data/k', { data: null }), 400, 'no data provided');
    await rejects(kv.call('update', 'data/k', { data: 'text' }), 400);
  });

  it('honours check-and-set', async () => {
    const kv = mount();
    await rejects(kv.call('update', 'data/c', { data: { a: 1 }, options: { cas: 1 } }), 400, 'check-and-set parameter did not match the current version');
    assert.equal((await kv.data('update', 'data/c', { data: { a: 1 }, options: { cas: 0 } })).version, 1);
    await rejects(kv.call('update', 'data/c', { data: { a: 2 }, options: { cas: 0 } }), 400, 'check-and-set parameter did not match the current version');
    assert.equal((await kv.data('update', 'data/c', { data: { a: 2 }, options: { cas: '1' } })).version, 2);

    await kv.call('update', 'config', { cas_required: true });
    await rejects(kv.call('update', 'data/c', { data: { a: 3 } }), 400, 'check-and-set parameter required for this call');
    assert.equal((await kv.data('update', 'data/c', { data: { a: 3 }, options: { cas: 2 } })).version, 3);

    await kv.call('update', 'config', { cas_required: false });
    await kv.call('update', 'metadata/c', { cas_required: true });
    await rejects(kv.call('update', 'data/c', { data: { a: 4 } }), 400, 'check-and-set parameter required for this call');
    // Vault compares uint64(cas): a negative cas is a plain mismatch (clients match this text).
    for (const cas of [-1, '-1', -2.5]) await rejects(kv.call('update', 'data/c', { data: { a: 4 }, options: { cas } }), 400, 'check-and-set parameter did not match the current version');
    await rejects(kv.call('update', 'data/c', { data: { a: 4 }, options: { cas: 'three' } }), 400, 'error parsing check-and-set parameter');
    await rejects(kv.call('patch', 'data/c', { data: { a: 4 }, options: { cas: -1 } }), 400, 'check-and-set parameter did not match the current version');
  });

  it('patches the current version with JSON merge-patch into a new version', async () => {
    const kv = mount();
    const missing = await rejectsWard(kv.call('patch', 'data/p', { data: { a: 1 } }), 404);
    assert.deepEqual(missing.messages, [], "Vault's bare 404");
    await kv.call('update', 'data/p', { data: { keep: 'x', drop: 'y', nested: { a: 1, b: 2 }, list: [1, 2] } });
    const meta = await kv.data('patch', 'data/p', { data: { drop: null, nested: { b: null, c: 3 }, list: [3], added: true } });
    assert.equal(meta.version, 2);
    assert.deepEqual((await kv.data('read', 'data/p')).data, { keep: 'x', nested: { a: 1, c: 3 }, list: [3], added: true });
    assert.deepEqual((await kv.data('read', 'data/p', { version: 1 })).data, { keep: 'x', drop: 'y', nested: { a: 1, b: 2 }, list: [1, 2] });

    await rejects(kv.call('patch', 'data/p', { data: { z: 1 }, options: { cas: 1 } }), 400, 'check-and-set parameter did not match the current version');
    assert.equal((await kv.data('patch', 'data/p', { data: { z: 1 }, options: { cas: 2 } })).version, 3);
    await rejects(kv.call('patch', 'data/p', {}), 400, 'no data provided');

    await kv.call('delete', 'data/p');
    const deleted = await kv.call('patch', 'data/p', { data: { z: 2 } });
    assert.equal(deleted?.status, 404);
    assert.equal((deleted?.data as Obj).data, null);
  });

  it('soft-deletes the latest version: 404 with data null and metadata', async () => {
    const kv = mount();
    await kv.call('update', 'data/d', { data: { a: 1 } });
    await kv.call('update', 'data/d', { data: { a: 2 } });
    kv.clock.t += 5000;
    assert.equal(await kv.call('delete', 'data/d'), null);
    const res = await kv.call('read', 'data/d');
    assert.equal(res?.status, 404);
    const body = res?.data as Obj;
    assert.equal(body.data, null);
    assert.deepEqual(body.metadata, {
      created_time: '2024-05-01T10:00:00.000000000Z',
      custom_metadata: null,
      deletion_time: '2024-05-01T10:00:05.000000000Z',
      destroyed: false,
      version: 2,
    });
    assert.deepEqual((await kv.data('read', 'data/d', { version: 1 })).data, { a: 1 }, 'older versions stay readable');
    kv.clock.t += 5000;
    await kv.call('delete', 'data/d');
    assert.equal(((await kv.call('read', 'data/d'))?.data?.metadata as Obj).deletion_time, '2024-05-01T10:00:05.000000000Z', 'a second delete keeps the first time');
    assert.equal(await kv.call('delete', 'data/missing'), null);
  });

  it('deletes, undeletes and destroys listed versions', async () => {
    const kv = mount();
    for (let i = 1; i <= 3; i++) await kv.call('update', 'data/v', { data: { n: i } });
    await rejects(kv.call('update', 'delete/v', {}), 400, 'no version number provided');
    assert.equal(await kv.call('update', 'delete/v', { versions: [1, 2, 42] }), null);
    assert.equal((await kv.call('read', 'data/v', { version: 1 }))?.status, 404);
    assert.equal((await kv.call('read', 'data/v', { version: 2 }))?.status, 404);
    assert.deepEqual((await kv.data('read', 'data/v')).data, { n: 3 });

    assert.equal(await kv.call('update', 'undelete/v', { versions: '1' }), null);
    assert.deepEqual((await kv.data('read', 'data/v', { version: 1 })).data, { n: 1 });
    assert.equal(((await kv.data('read', 'data/v', { version: 1 })).metadata as Obj).deletion_time, '');

    assert.equal(await kv.call('update', 'destroy/v', { versions: [2, 3] }), null);
    const destroyed = await kv.call('read', 'data/v');
    assert.equal(destroyed?.status, 404);
    assert.equal(((destroyed?.data as Obj).metadata as Obj).destroyed, true);
    await kv.call('update', 'undelete/v', { versions: [2] });
    assert.equal((await kv.call('read', 'data/v', { version: 2 }))?.status, 404, 'destroyed versions cannot be undeleted');
    assert.deepEqual(await listRecursive(kv.storage, 'versions/'), ['versions/v/1'], 'destroy removes the data itself');
    assert.equal(await kv.call('update', 'destroy/nothing', { versions: [1] }), null);
  });

  it('serialises concurrent writes to one secret into distinct versions', async () => {
    const kv = mount();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => kv.data('update', 'data/race', { data: { i } })));
    assert.deepEqual(results.map((m) => m.version).sort(), [1, 2, 3, 4, 5]);
    assert.equal((await kv.data('read', 'metadata/race')).current_version, 5);
  });

  it('answers paths outside the sub-APIs with 404 and a warning', async () => {
    const kv = mount();
    for (const [op, path] of [['read', 'foo'], ['update', 'foo/bar'], ['list', 'foo/'], ['delete', 'data'], ['read', '']] as const) {
      assert.deepEqual(await kv.call(op, path, { a: 1 }), { status: 404, warnings: [INVALID_PATH_WARNING] }, `${op} ${path}`);
    }
  });
});
