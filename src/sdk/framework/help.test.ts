import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogicalRequest } from '../logical.js';
import { defineBackend } from './backend.js';
import { field } from './fields.js';
import type { OasDocument } from './openapi.js';
import { definePath, genericName } from './path.js';

const backend = defineBackend({
  type: 'demo',
  kind: 'auth',
  help: 'A demonstration backend.\nIt has two paths.',
  specialPaths: { unauthenticated: ['login'] },
  paths: [
    definePath({
      pattern: `role/${genericName('name')}`,
      fields: {
        name: field.string({ description: 'Name of the role.' }),
        ttl: field.durationSecond({ description: 'How long tokens live.\nAt most the mount max.' }),
        policies: field.commaStringSlice({}),
      },
      operations: { read: async () => null, update: async () => null },
      synopsis: 'Manage roles.',
      description: 'Roles say what a login gets.',
    }),
    definePath({ pattern: 'login', fields: { role: field.string({ description: 'The role.' }) }, operations: { update: async () => null }, synopsis: 'Log in.' }),
  ],
});

const help = (path: string): LogicalRequest =>
  ({ id: 'r', operation: 'help', path, data: {}, mountPoint: 'auth/demo/', mountType: 'demo', mountAccessor: 'a', clientToken: '', caller: null, headers: {}, wrapTtl: 0 }) as unknown as LogicalRequest;

test('path help is Vault\'s text: route, synopsis, the fields sorted with their types, the description', async () => {
  const res = await backend.handleRequest(help('role/admin'));
  assert.equal(
    res?.data?.['help'],
    [
      '',
      'Request:        role/admin',
      'Matching Route: ^role/(?<name>\\w(?:[\\w.-]*\\w)?)$',
      '',
      'Manage roles.',
      '',
      '## PARAMETERS',
      '',
      '    name (string)',
      '',
      '        Name of the role.',
      '',
      '    policies (slice)',
      '',
      '        <no description>',
      '',
      '    ttl (duration (sec))',
      '',
      '        How long tokens live.',
      '        At most the mount max.',
      '',
      '## DESCRIPTION',
      '',
      'Roles say what a login gets.',
      '',
    ].join('\n'),
  );
  assert.equal(res?.data?.['see_also'], null);
  // The same source gives the path's OpenAPI, relative to the mount.
  const doc = res?.data?.['openapi'] as OasDocument;
  assert.deepEqual(Object.keys(doc.paths), ['/role/{name}']);
  assert.equal(doc.paths['/role/{name}']!.post!.operationId, 'demo-write-role-name');
});

test('help at the mount root lists every route with its synopsis, and the whole OpenAPI document', async () => {
  const res = await backend.handleRequest(help(''));
  const text = res?.data?.['help'] as string;
  assert.match(text, /^## DESCRIPTION\n\nA demonstration backend\.\nIt has two paths\.\n\n## PATHS\n/);
  assert.match(text, /\n {4}\^role\/\(\?<name>[^\n]*\$\n {8}Manage roles\.\n/);
  assert.match(text, /\n {4}\^login\$\n {8}Log in\.\n/);
  const doc = res?.data?.['openapi'] as OasDocument;
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/login', '/role/{name}']);
  assert.equal(doc.paths['/login']!['x-vault-unauthenticated'], true);
});

test('help for a path no route matches is Vault\'s unsupported path', async () => {
  await assert.rejects(backend.handleRequest(help('nothing/here')), (e: Error & { status?: number }) => e.status === 404 && /unsupported path/.test(e.message));
});
