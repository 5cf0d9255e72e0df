import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineBackend } from '../../sdk/framework/backend.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName } from '../../sdk/framework/path.js';
import { mountParameterName, mountsDocument, type DocumentedMount } from './mounts-document.js';

const ok = async () => null;
const approle = defineBackend({
  type: 'approle',
  kind: 'auth',
  specialPaths: { unauthenticated: ['login'] },
  paths: [
    definePath({ pattern: 'login', fields: { role_id: field.string() }, operations: { update: ok } }),
    definePath({ pattern: `role/${genericName('role_name')}`, fields: { role_name: field.string() }, operations: { read: ok } }),
  ],
});
const kv = defineBackend({ type: 'kv', kind: 'secret', paths: [definePath({ pattern: `data/${genericName('path')}`, fields: {}, operations: { read: ok } })] });
const sys = defineBackend({ type: 'system', kind: 'secret', specialPaths: { root: ['seal'] }, paths: [definePath({ pattern: 'seal', fields: {}, operations: { update: ok } })] });
const token = defineBackend({ type: 'token', kind: 'auth', paths: [definePath({ pattern: 'create', fields: {}, operations: { update: ok } })] });

const mounts: DocumentedMount[] = [
  { prefix: 'secret/', type: 'kv', backend: kv },
  { prefix: 'team/kv/', type: 'kv', backend: kv },
  { prefix: 'auth/approle/', type: 'approle', backend: approle },
  { prefix: 'sys/', type: 'system', backend: sys },
  { prefix: 'auth/token/', type: 'token', backend: token },
  // A backend not built from a path table has nothing to document.
  { prefix: 'odd/', type: 'odd', backend: { ...kv } },
];

test('every mount\'s paths sit under its mount path, tagged as Vault tags them', () => {
  const doc = mountsDocument(mounts, { version: '1.17.0+ward', genericMountPaths: false, context: '' });
  assert.equal(doc.info.version, '1.17.0+ward');
  assert.deepEqual(Object.keys(doc.paths), [
    '/auth/approle/login',
    '/auth/approle/role/{role_name}',
    '/auth/token/create',
    '/secret/data/{path}',
    '/sys/seal',
    '/team/kv/data/{path}',
  ]);
  assert.equal(doc.paths['/auth/approle/login']!['x-vault-unauthenticated'], true);
  assert.equal(doc.paths['/sys/seal']!['x-vault-sudo'], true);
  assert.deepEqual(doc.paths['/sys/seal']!.post!.tags, ['system']);
  assert.deepEqual(doc.paths['/auth/token/create']!.post!.tags, ['auth']);
  assert.deepEqual(doc.paths['/secret/data/{path}']!.get!.tags, ['secrets']);
  assert.equal(doc.paths['/secret/data/{path}']!.get!.operationId, 'kv-read-data-path');
  assert.equal(doc.paths['/team/kv/data/{path}']!.get!.operationId, 'kv-read-data-path_2');
});

test('generic mount paths: a {<mount>_mount_path} parameter with the mount as default, singletons kept', () => {
  const doc = mountsDocument(mounts, { version: '1', genericMountPaths: true, context: 'ctx' });
  assert.deepEqual(Object.keys(doc.paths), [
    '/auth/token/create',
    '/auth/{approle_mount_path}/login',
    '/auth/{approle_mount_path}/role/{role_name}',
    '/sys/seal',
    '/{secret_mount_path}/data/{path}',
    '/{team_kv_mount_path}/data/{path}',
  ]);
  assert.deepEqual(doc.paths['/auth/{approle_mount_path}/role/{role_name}']!.parameters, [
    { name: 'role_name', in: 'path', schema: { type: 'string' }, required: true },
    { name: 'approle_mount_path', description: 'Path that the backend was mounted at', in: 'path', schema: { type: 'string', default: 'approle' }, required: true },
  ]);
  assert.equal(doc.paths['/sys/seal']!.parameters, undefined);
  assert.equal(doc.paths['/auth/{approle_mount_path}/login']!.post!.operationId, 'approle-write-login_ctx');
});

test('mount parameter names', () => {
  const cases: [string, string][] = [
    ['secret/', 'secret_mount_path'],
    ['auth/approle/', 'approle_mount_path'],
    ['team/kv-v2/', 'team_kv_v2_mount_path'],
  ];
  for (const [prefix, want] of cases) assert.equal(mountParameterName(prefix), want, prefix);
});
