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

test('operator migrate: SIGINT/SIGTERM stops it cleanly (Vault: exit 0), the lock is released, a rerun completes', async () => {
  const src = join(dir, 'signal-src.db');
  const s = SqlitePhysical.open(src);
  await Promise.all(Array.from({ length: 3000 }, (_, i) => s.put(`logical/${String(i).padStart(5, '0')}`, Buffer.alloc(200, 1))));
  await s.close();
  const cfg = hcl('signal.hcl', `storage_source "sqlite" {\n  path = "${src}"\n}\nstorage_destination "sqlite" {\n  path = "${join(dir, 'signal-dst.db')}"\n}\n`);
  const before = process.listenerCount('SIGTERM');
  const running = runCli(['operator', 'migrate', `-config=${cfg}`], env);
  // The command listens for the signal from its start; send it as soon as it does.
  while (process.listenerCount('SIGTERM') === before) await new Promise((r) => setImmediate(r));
  process.emit('SIGTERM');
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '==> Migration shutdown triggered\n');
  assert.equal(process.listenerCount('SIGTERM'), before, 'the command removed its listener');
  const check = SqlitePhysical.open(src);
  assert.equal(await check.get('core/migration'), null, 'the lock is released');
  await check.close();
  const again = await runCli(['operator', 'migrate', `-config=${cfg}`], env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'Success! All of the keys have been migrated.\n');
});
