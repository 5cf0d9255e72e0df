/**
 * Records an older Ward wrote that the current codec would refuse: KV v2 metadata with a
 * bare Infinity (not JSON at all) and settings stored as null (JSON.stringify of
 * Infinity). They read as "not set", and the next change writes them back as valid JSON.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InmemStorage } from '../../../sdk/storage.js';
import { metadataKey, readConfig, readMetadata, readMetadataForUpdate, writeMetadata, CONFIG_KEY } from './layout.js';

const legacyMetadata =
  '{"created_time":"2024-05-01T10:00:00Z","updated_time":"2024-05-01T10:00:00Z","current_version":1,"oldest_version":0,' +
  '"max_versions":null,"cas_required":false,"delete_version_after":Infinity,"custom_metadata":null,' +
  '"versions":{"1":{"created_time":"2024-05-01T10:00:00Z","deletion_time":"","destroyed":false}}}';

test('metadata with a bare Infinity reads with the setting unset, and is rewritten as JSON', async () => {
  const s = new InmemStorage();
  await s.put(metadataKey('app'), Buffer.from(legacyMetadata, 'utf8'));
  const m = await readMetadata(s, 'app');
  assert.ok(m);
  assert.deepEqual([m.delete_version_after, m.max_versions, m.current_version, m.versions.length], [0, 0, 1, 1]);
  const copy = await readMetadataForUpdate(s, 'app');
  assert.ok(copy);
  await writeMetadata(s, 'app', copy);
  const raw = (await s.get(metadataKey('app')))?.toString('utf8') ?? '';
  assert.equal((JSON.parse(raw) as { delete_version_after: number }).delete_version_after, 0);
});

test('the encoder refuses what would not parse back instead of writing it', async () => {
  const s = new InmemStorage();
  await s.put(metadataKey('app'), Buffer.from(legacyMetadata, 'utf8'));
  const copy = await readMetadataForUpdate(s, 'app');
  assert.ok(copy);
  copy.delete_version_after = Number.POSITIVE_INFINITY;
  await assert.rejects(writeMetadata(s, 'app', copy), /numbers must be finite integers/);
  copy.delete_version_after = 0;
  copy.custom_metadata = { k: 'v\ud800' };
  await assert.rejects(writeMetadata(s, 'app', copy), /unpaired surrogate/);
  assert.equal((await s.get(metadataKey('app')))?.toString('utf8'), legacyMetadata, 'nothing was written');
});

test('mount config with null settings reads as the defaults', async () => {
  const s = new InmemStorage();
  await s.put(CONFIG_KEY, Buffer.from('{"max_versions":null,"cas_required":true,"delete_version_after":null}', 'utf8'));
  assert.deepEqual(await readConfig(s), { max_versions: 0, cas_required: true, delete_version_after: 0 });
});
