import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMigrateConfig } from './config.js';

test('migrate config: storage_source and storage_destination, as Vault spells them', () => {
  const c = parseMigrateConfig(
    `storage_source "sqlite" {\n  path = "/var/lib/ward/old.db"\n}\n\nstorage_destination "sqlite" {\n  path = "/var/lib/ward/new.db"\n}\ncluster_addr = "https://10.0.0.1:8201"\n`,
    'migrate.hcl',
  );
  assert.deepEqual(c.source, { type: 'sqlite', path: '/var/lib/ward/old.db' });
  assert.deepEqual(c.destination, { type: 'sqlite', path: '/var/lib/ward/new.db' });
  assert.equal(c.clusterAddr, 'https://10.0.0.1:8201');
});

test('migrate config: JSON works too', () => {
  const c = parseMigrateConfig(JSON.stringify({ storage_source: { inmem: {} }, storage_destination: { sqlite: { path: '/x.db' } } }), 'm.json');
  assert.deepEqual(c.source, { type: 'inmem' });
  assert.deepEqual(c.destination, { type: 'sqlite', path: '/x.db' });
});

test('migrate config: errors name file:line', () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => parseMigrateConfig(text, "m.hcl"), { message: re });
  bad('storage_destination "sqlite" { path = "/b" }\n', /^m\.hcl: exactly one "storage_source" block is required$/);
  bad('storage_source "sqlite" { path = "/a" }\n', /^m\.hcl: exactly one "storage_destination" block is required$/);
  bad('storage_source "sqlite" { path = "/a" }\nstorage_source "sqlite" { path = "/c" }\nstorage_destination "sqlite" { path = "/b" }\n', /^m\.hcl:2: exactly one "storage_source" block is required$/);
  bad('storage_source "sqlite" { path = "/a" }\nstorage_destination "sqlite" { path = "/b" }\nlistener "tcp" {}\n', /^m\.hcl:3: unknown configuration key or stanza "listener"/);
  bad('storage_source "sqlite" { path = "/a" }\n\nstorage_destination "sqlite" {\n  path = "/b"\n  paht = "/c"\n}\n', /^m\.hcl:5: unknown key "paht" in storage "sqlite"/);
  bad('# from\nstorage_source "nope" {}\nstorage_destination "sqlite" { path = "/b" }\n', /^m\.hcl:2: unknown storage type "nope"/);
  bad('storage_source "sqlite" { path = "/a" }\nstorage_destination "sqlite" { path = "/a" }\n', /^m\.hcl:2: storage_source and storage_destination are the same store/);
  bad('storage_source "sqlite" { path = "/x/../a" }\nstorage_destination "sqlite" { path = "/a" }\n', /^m\.hcl:2: storage_source and storage_destination are the same store/);
  bad('storage_source "sqlite" { path = "/a" }\nstorage_destination "sqlite" { path = "/b" }\ncluster_addr = 3\n', /^m\.hcl:3: cluster_addr must be a string/);
});
