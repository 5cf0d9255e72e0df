import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listRecursive } from '../../../sdk/storage.js';
import { mount, rejects, type Obj } from './mount.test-helper.js';



describe('kv v2 config and per-key settings', () => {
  it('reads and writes the mount config, echoing durations as Go strings', async () => {
    const kv = mount();
    assert.deepEqual(await kv.data('read', 'config'), { cas_required: false, delete_version_after: '0s', max_versions: 0 });
    assert.equal(await kv.call('update', 'config', { max_versions: '5', delete_version_after: '1h' }), null);
    assert.deepEqual(await kv.data('read', 'config'), { cas_required: false, delete_version_after: '1h0m0s', max_versions: 5 });
    await kv.call('update', 'config', { cas_required: 'true' });
    assert.deepEqual(await kv.data('read', 'config'), { cas_required: true, delete_version_after: '1h0m0s', max_versions: 5 }, 'unsupplied fields are kept');
    await rejects(kv.call('update', 'config', { max_versions: -1 }), 400);
    await rejects(kv.call('update', 'config', { delete_version_after: 'often' }), 400);
  });

  it('purges versions beyond max_versions and advances oldest_version', async () => {
    const kv = mount();
    await kv.call('update', 'config', { max_versions: 3 });
    await kv.call('update', 'data/m', { data: { n: 1 } });
    assert.equal((await kv.data('read', 'metadata/m')).oldest_version, 0, 'nothing purged yet');
    for (let i = 2; i <= 5; i++) await kv.call('update', 'data/m', { data: { n: i } });
    const meta = await kv.data('read', 'metadata/m');
    assert.equal(meta.current_version, 5);
    assert.equal(meta.oldest_version, 3);
    assert.deepEqual(Object.keys(meta.versions as Obj), ['3', '4', '5']);
    assert.equal(await kv.call('read', 'data/m', { version: 1 }), null, 'purged versions are gone, plain 404');
    assert.deepEqual(await listRecursive(kv.storage, 'versions/'), ['versions/m/3', 'versions/m/4', 'versions/m/5']);

    await kv.call('update', 'metadata/m', { max_versions: 1 });
    await kv.call('update', 'data/m', { data: { n: 6 } });
    const after = await kv.data('read', 'metadata/m');
    assert.deepEqual(Object.keys(after.versions as Obj), ['6'], 'the key setting beats the mount setting');
    assert.equal(after.oldest_version, 6);
    assert.equal(after.max_versions, 1);
  });

  it('keeps 10 versions by default', async () => {
    const kv = mount();
    for (let i = 1; i <= 12; i++) await kv.call('update', 'data/ten', { data: { n: i } });
    const meta = await kv.data('read', 'metadata/ten');
    assert.equal(meta.oldest_version, 3);
    assert.equal(Object.keys(meta.versions as Obj).length, 10);
  });

  it('schedules deletion with delete_version_after; past that time the version reads as deleted', async () => {
    const kv = mount();
    await kv.call('update', 'config', { delete_version_after: '2h' });
    await kv.call('update', 'data/t', { data: { a: 1 } });
    const written = await kv.data('read', 'data/t');
    assert.equal((written.metadata as Obj).deletion_time, '2024-05-01T12:00:00.000000000Z');

    await kv.call('update', 'metadata/t', { delete_version_after: '30m' });
    assert.equal((await kv.data('read', 'metadata/t')).delete_version_after, '30m0s');
    const v2 = await kv.data('update', 'data/t', { data: { a: 2 } });
    assert.equal(v2.deletion_time, '2024-05-01T10:30:00.000000000Z', 'the smaller non-zero setting wins');

    kv.clock.t += 31 * 60 * 1000;
    const expired = await kv.call('read', 'data/t');
    assert.equal(expired?.status, 404);
    assert.equal((expired?.data as Obj).data, null);
    assert.deepEqual((await kv.data('read', 'data/t', { version: 1 })).data, { a: 1 }, 'version 1 is due later');
    await kv.call('update', 'undelete/t', { versions: [2] });
    assert.deepEqual((await kv.data('read', 'data/t')).data, { a: 2 }, 'undelete clears the schedule');

    kv.clock.t += 2 * 3600 * 1000;
    assert.equal((await kv.call('read', 'data/t', { version: 1 }))?.status, 404);
  });
});
