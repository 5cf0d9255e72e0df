import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqlitePhysical } from '../storage/sqlite/sqlite-physical.js';
import { runCli } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-cli-migrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { HOME: dir };
const hcl = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('operator migrate: usage and configuration errors exit 1 with Vault\'s wording', async () => {
  const none = await runCli(['operator', 'migrate'], env);
  assert.equal(none.code, 1);
  assert.equal(none.stderr, 'Must specify exactly one config path using -config\n');
  const bad = hcl('bad.hcl', 'storage_source "sqlite" { path = "/a" }\n');
  const r = await runCli(['operator', 'migrate', `-config=${bad}`], env);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `Error loading configuration from ${bad}: ${bad}: exactly one "storage_destination" block is required\n`);
  const missing = await runCli(['operator', 'migrate', `-config=${join(dir, 'nope.hcl')}`], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Error loading configuration from .*nope\.hcl: .*cannot read config file/);
});

test('operator migrate: a SQLite source that does not exist is an error, and is not created', async () => {
  const src = join(dir, 'typo.db');
  const cfg = hcl('typo.hcl', `storage_source "sqlite" {\n  path = "${src}"\n}\nstorage_destination "sqlite" {\n  path = "${join(dir, 'dest.db')}"\n}\n`);
  for (const extra of [[], ['-reset']]) {
    const r = await runCli(['operator', 'migrate', `-config=${cfg}`, ...extra], env);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `Error migrating: error mounting 'storage_source': no SQLite database at ${src}\n`);
    assert.equal(existsSync(src), false);
  }
});

test('operator migrate: an empty source is refused rather than "migrated"', async () => {
  const src = join(dir, 'empty.db');
  await SqlitePhysical.open(src).close();
  const cfg = hcl('empty.hcl', `storage_source "sqlite" {\n  path = "${src}"\n}\nstorage_destination "inmem" {}\n`);
  const r = await runCli(['operator', 'migrate', `-config=${cfg}`], env);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'Error migrating: the source storage holds no data: check the storage_source stanza\n');
});
