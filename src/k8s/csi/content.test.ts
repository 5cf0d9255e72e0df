import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument } from './errors.js';
import { objectFiles, pickData } from './content.js';
import { parseObjects } from './objects.js';
import { ObjectVersions } from './versions.js';

const one = (yaml: string) => {
  const o = parseObjects(yaml)[0];
  assert.ok(o);
  return o;
};
const KV2 = { request_id: 'r', lease_id: '', data: { data: { password: 's3cr3t', port: 5432, nested: { a: 1 } }, metadata: { version: 3 } } };
const KV1 = { request_id: 'r', lease_id: '', data: { password: 'p1', blob: 'aGVsbG8=', hexed: '6869' } };
const text = (files: { contents: Buffer }[], i = 0) => files[i]?.contents.toString('utf8');

test('secretKey reads KV v2 data.data, else data; non-strings become JSON', () => {
  assert.equal(text(objectFiles(one('- {objectName: p, secretPath: s/data/db, secretKey: password}'), KV2, 0o644)), 's3cr3t');
  assert.equal(text(objectFiles(one('- {objectName: p, secretPath: s/data/db, secretKey: port}'), KV2, 0o644)), '5432');
  assert.equal(text(objectFiles(one('- {objectName: p, secretPath: s/data/db, secretKey: nested}'), KV2, 0o644)), '{"a":1}');
  assert.equal(text(objectFiles(one('- {objectName: p, secretPath: kv1/db, secretKey: password}'), KV1, 0o644)), 'p1');
  assert.deepEqual(pickData(KV2), KV2.data.data);
});

test('no secretKey: the whole response JSON is the file', () => {
  const files = objectFiles(one('- {objectName: all, secretPath: s/data/db, filePermission: 0600}'), KV2, 0o644);
  assert.deepEqual(files.map((f) => [f.path, f.mode]), [['all', 0o600]]);
  const { request_id: _id, ...rest } = KV2;
  assert.deepEqual(JSON.parse(text(files) ?? ''), rest, 'without the per-request id');
  const again = objectFiles(one('- {objectName: all, secretPath: s/data/db}'), { ...KV2, request_id: 'another' }, 0o644);
  assert.equal(text(again), text(files), 'a re-read of an unchanged secret is the same file');
});

test('encodings decode the value before it is written', () => {
  assert.equal(text(objectFiles(one('- {objectName: b, secretPath: kv1/db, secretKey: blob, encoding: base64}'), KV1, 0o644)), 'hello');
  assert.equal(text(objectFiles(one('- {objectName: h, secretPath: kv1/db, secretKey: hexed, encoding: hex}'), KV1, 0o644)), 'hi');
  assert.throws(() => objectFiles(one('- {objectName: h, secretPath: kv1/db, secretKey: password, encoding: hex}'), KV1, 0o644), (e: unknown) => e instanceof InvalidArgument && /object "h".*not valid hex/.test(e.message));
  assert.throws(() => objectFiles(one('- {objectName: b, secretPath: kv1/db, secretKey: password, encoding: base64}'), { data: { password: 'not base64!' } }, 0o644), /object "b".*not valid base64/);
});

test('a missing key is an error naming the object and the key', () => {
  assert.throws(() => objectFiles(one('- {objectName: p, secretPath: s/data/db, secretKey: nope}'), KV2, 0o644), /object "p": key "nope" does not exist at s\/data\/db/);
});

test('expand keys: one file per key under the objectName', () => {
  const files = objectFiles(one('- {objectName: db, secretPath: s/data/db, expand: keys, filePermission: 0640}'), KV2, 0o644);
  assert.deepEqual(files.map((f) => [f.path, f.mode, f.contents.toString()]), [
    ['db/nested', 0o640, '{"a":1}'],
    ['db/password', 0o640, 's3cr3t'],
    ['db/port', 0o640, '5432'],
  ]);
  assert.throws(() => objectFiles(one('- {objectName: db, secretPath: s/data/x, expand: keys}'), { data: { data: { '../x': 'v' } } }, 0o644), /object "db": key "\.\.\/x"/);
});

test('versions change exactly when the config or the content changes, and hide the content', () => {
  const v = new ObjectVersions();
  const o = one('- {objectName: p, secretPath: s/data/db, secretKey: password}');
  const files = objectFiles(o, KV2, 0o644);
  const a = v.version(o, files);
  assert.equal(v.version(o, objectFiles(o, structuredClone(KV2), 0o644)), a);
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(!a.includes('s3cr3t'));
  const changed = structuredClone(KV2);
  changed.data.data.password = 'rotated';
  assert.notEqual(v.version(o, objectFiles(o, changed, 0o644)), a);
  const o2 = one('- {objectName: p, secretPath: s/data/db, secretKey: password, filePermission: 0600}');
  assert.notEqual(v.version(o2, objectFiles(o2, KV2, 0o644)), a);
  assert.notEqual(new ObjectVersions().version(o, files), a, 'another provider key gives another version');
});
