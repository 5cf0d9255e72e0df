import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InmemStorage } from '../../../sdk/storage.js';
import { metadataKey, readMetadata, versionEntry, versionsMap, writeMetadata, type KeyMetadata } from './layout.js';

test('stored metadata is the JSON.stringify text of its map form, awkward strings included', async () => {
  const s = new InmemStorage();
  const meta: KeyMetadata = {
    created_time: '2024-05-01T10:00:00.1Z',
    updated_time: 'odd "time" \\ \u00e9',
    current_version: 12,
    oldest_version: 3,
    max_versions: 10,
    cas_required: true,
    delete_version_after: 3600,
    custom_metadata: { owner: 'team "a"', note: 'line\nbreak' },
    versions: [3, 4, 12].map((v) => versionEntry(v, { created_time: `t${v}\t`, deletion_time: v === 4 ? '2024-06-01T00:00:00Z' : '', destroyed: v === 3 })),
  };
  const { versions: _list, ...fields } = meta;
  const expected = JSON.stringify({ ...fields, versions: versionsMap(meta) });
  await writeMetadata(s, 'app', meta);
  assert.equal((await s.get(metadataKey('app')))?.toString('utf8'), expected);
  await writeMetadata(s, 'plain', { ...meta, custom_metadata: null, versions: [] });
  assert.equal((await s.get(metadataKey('plain')))?.toString('utf8'), JSON.stringify({ ...fields, custom_metadata: null, versions: {} }));
  const back = await readMetadata(s, 'app');
  assert.deepEqual(back?.versions.map((e) => e.version), [3, 4, 12]);
});
