import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listRecursive } from '../../../sdk/storage.js';
import { mount, rejects, type Obj } from './mount.test-helper.js';



describe('kv v2 metadata/ and subkeys/', () => {
  it('reads metadata with every field and string version keys', async () => {
    const kv = mount();
    await kv.call('update', 'data/s', { data: { a: 1 } });
    kv.clock.t += 1000;
    await kv.call('update', 'data/s', { data: { a: 2 } });
    await kv.call('delete', 'data/s');
    assert.deepEqual(await kv.data('read', 'metadata/s'), {
      cas_required: false,
      created_time: '2024-05-01T10:00:00.000000000Z',
      current_version: 2,
      custom_metadata: null,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: '2024-05-01T10:00:01.000000000Z',
      versions: {
        '1': { created_time: '2024-05-01T10:00:00.000000000Z', deletion_time: '', destroyed: false },
        '2': { created_time: '2024-05-01T10:00:01.000000000Z', deletion_time: '2024-05-01T10:00:01.000000000Z', destroyed: false },
      },
    });
    assert.equal(await kv.call('read', 'metadata/none'), null);
  });

  it('writes settings and custom_metadata without creating a version', async () => {
    const kv = mount();
    assert.equal(await kv.call('update', 'metadata/c', { custom_metadata: { owner: 'ops', tier: 1 }, max_versions: 4 }), null);
    const meta = await kv.data('read', 'metadata/c');
    assert.equal(meta.current_version, 0);
    assert.deepEqual(meta.versions, {});
    assert.deepEqual(meta.custom_metadata, { owner: 'ops', tier: '1' });
    assert.equal(await kv.call('read', 'data/c'), null);

    await kv.call('update', 'data/c', { data: { x: 1 } });
    assert.deepEqual(((await kv.data('read', 'data/c')).metadata as Obj).custom_metadata, { owner: 'ops', tier: '1' });
    await kv.call('update', 'metadata/c', { cas_required: true });
    const kept = await kv.data('read', 'metadata/c');
    assert.deepEqual(kept.custom_metadata, { owner: 'ops', tier: '1' }, 'a write without custom_metadata keeps it');
    assert.equal(kept.max_versions, 4);
    await kv.call('update', 'metadata/c', { custom_metadata: ['only=this'] });
    assert.deepEqual((await kv.data('read', 'metadata/c')).custom_metadata, { only: 'this' }, 'a write replaces custom_metadata');
  });

  it('patches metadata, merging custom_metadata where null removes a key', async () => {
    const kv = mount();
    await rejects(kv.call('patch', 'metadata/p', { max_versions: 2 }), 404);
    await kv.call('update', 'metadata/p', { custom_metadata: { a: '1', b: '2' }, max_versions: 7 });
    kv.clock.t += 1000;
    assert.equal(await kv.call('patch', 'metadata/p', { custom_metadata: { a: null, c: '3' }, cas_required: true }), null);
    const meta = await kv.data('read', 'metadata/p');
    assert.deepEqual(meta.custom_metadata, { b: '2', c: '3' });
    assert.equal(meta.cas_required, true);
    assert.equal(meta.max_versions, 7);
    assert.equal(meta.updated_time, '2024-05-01T10:00:01.000000000Z');
  });

  it('enforces the custom_metadata limits', async () => {
    const kv = mount();
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    await rejects(kv.call('update', 'metadata/l', { custom_metadata: many }), 400);
    await rejects(kv.call('update', 'metadata/l', { custom_metadata: { ['k'.repeat(129)]: 'v' } }), 400);
    await rejects(kv.call('update', 'metadata/l', { custom_metadata: { k: 'v'.repeat(513) } }), 400);
    await rejects(kv.call('update', 'metadata/l', { custom_metadata: { k: { nested: true } } }), 400);
    const edge = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`${i}`.padEnd(128, 'k'), 'v'.repeat(512)]));
    assert.equal(await kv.call('update', 'metadata/l', { custom_metadata: edge }), null);
    await rejects(kv.call('patch', 'metadata/l', { custom_metadata: { extra: 'x' } }), 400);
  });

  it('lists secrets and folders from metadata, optionally without deleted ones', async () => {
    const kv = mount();
    for (const p of ['a', 'dir/b', 'dir/deep/c', 'gone']) await kv.call('update', `data/${p}`, { data: { v: 1 } });
    await kv.call('update', 'metadata/dir', { max_versions: 2 });
    assert.deepEqual(await kv.call('list', 'metadata/'), { data: { keys: ['a', 'dir', 'dir/', 'gone'] } });
    assert.deepEqual(await kv.call('list', 'metadata/dir/'), { data: { keys: ['b', 'deep/'] } });
    assert.deepEqual(await kv.call('list', 'metadata/nothing/'), { data: { keys: [] } });
    await kv.call('delete', 'data/gone');
    assert.deepEqual(await kv.call('list', 'metadata/', { exclude_deleted: 'true' }), { data: { keys: ['a', 'dir/'] } });
  });

  it('deletes metadata together with every version', async () => {
    const kv = mount();
    for (let i = 0; i < 3; i++) await kv.call('update', 'data/x/y', { data: { i } });
    await kv.call('update', 'data/x', { data: { other: true } });
    await kv.call('update', 'destroy/x/y', { versions: [2] });
    assert.equal(await kv.call('delete', 'metadata/x/y'), null);
    assert.equal(await kv.call('read', 'metadata/x/y'), null);
    assert.equal(await kv.call('read', 'data/x/y', { version: 1 }), null);
    assert.deepEqual(await listRecursive(kv.storage), ['metadata/x', 'versions/x/1'], 'only the sibling secret remains');
    assert.equal(await kv.call('delete', 'metadata/x/y'), null, 'deleting again is fine');
  });

  it('returns subkeys with nulls for leaves, limited by depth', async () => {
    const kv = mount();
    await kv.call('update', 'data/sk', { data: { foo: 'abc', bar: { baz: 'def', deep: { x: 1 } }, list: [1, { a: 2 }], empty: {} } });
    const full = await kv.data('read', 'subkeys/sk');
    assert.deepEqual(full.subkeys, { foo: null, bar: { baz: null, deep: { x: null } }, list: null, empty: {} });
    assert.equal((full.metadata as Obj).version, 1);
    assert.deepEqual((await kv.data('read', 'subkeys/sk', { depth: '1' })).subkeys, { foo: null, bar: null, list: null, empty: null });
    assert.deepEqual((await kv.data('read', 'subkeys/sk', { depth: 2 })).subkeys, { foo: null, bar: { baz: null, deep: null }, list: null, empty: {} });
    await rejects(kv.call('read', 'subkeys/sk', { depth: -1 }), 400);

    await kv.call('update', 'data/sk', { data: { only: 1 } });
    assert.deepEqual((await kv.data('read', 'subkeys/sk', { version: 1 })).subkeys, { foo: null, bar: { baz: null, deep: { x: null } }, list: null, empty: {} });
    await kv.call('delete', 'data/sk');
    const deleted = await kv.call('read', 'subkeys/sk');
    assert.equal(deleted?.status, 404);
    assert.equal((deleted?.data as Obj).subkeys, null);
    assert.equal(await kv.call('read', 'subkeys/none'), null);
  });
});
