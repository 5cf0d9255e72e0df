import { test } from 'node:test';
import assert from 'node:assert/strict';
import { field, type FieldSpec, type Fields } from './fields.js';
import { definePath, genericName, type PathDef } from './path.js';
import { documentPaths, fieldSchema, newOasDocument, newOasTarget, specialPathMatch, type BackendInfo } from './openapi.js';

const ok = async () => null;

const table: PathDef<Fields>[] = [
  definePath({ pattern: 'role/?', fields: {}, operations: { list: ok }, synopsis: 'List the roles.' }),
  definePath({
    pattern: `role/${genericName('name')}`,
    fields: {
      name: field.string({ description: 'Name of the role.' }),
      token_ttl: field.durationSecond({ description: 'TTL of the tokens.', default: 3600 }),
      token_policies: field.commaStringSlice({ description: 'Policies.' }),
      bind: field.bool({ description: 'Bind?', required: true }),
    },
    operations: { read: ok, update: ok, delete: ok },
    existenceCheck: async () => false,
    synopsis: 'Manage a role.',
  }),
  definePath({
    pattern: 'login',
    fields: { role_id: field.string({ description: 'The role.' }), secret_id: field.string({ sensitive: true }) },
    operations: { update: ok },
  }),
  definePath({
    pattern: 'config',
    fields: { format: field.string({ description: 'Output format.', query: true, allowed: ['', 'json'] }) },
    operations: { read: ok, update: ok },
  }),
  definePath({ pattern: 'rotate', fields: {}, operations: { update: ok } }),
  definePath({ pattern: 'kv/?', fields: {}, operations: { read: ok, list: ok } }),
  definePath({ pattern: '.*', fields: {}, operations: { read: ok }, synopsis: 'Catch-all.' }),
  definePath({ pattern: 'blob', fields: {}, operations: { update: ok }, takesArbitraryData: true }),
];

const info: BackendInfo = { type: 'approle', kind: 'auth', specialPaths: { unauthenticated: ['login'], root: ['rotate'] } };

function docOf(defs = table, i = info) {
  const doc = newOasDocument('1.2.3');
  documentPaths(defs, i, newOasTarget(doc));
  return doc;
}

test('every pattern becomes its OpenAPI paths, a list operation on its own slash path', () => {
  const doc = docOf();
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/.*', '/blob', '/config', '/kv', '/kv/', '/login', '/role/', '/role/{name}', '/rotate']);
  const list = doc.paths['/role/']!;
  assert.equal(list.description, 'List the roles.');
  assert.deepEqual(Object.keys(list).filter((k) => ['get', 'post', 'delete', 'patch'].includes(k)), ['get']);
  assert.deepEqual(list.get!.parameters, [{ name: 'list', description: 'Must be set to `true`', in: 'query', schema: { type: 'string', enum: ['true'] }, required: true }]);
  assert.deepEqual(list.get!.responses['200'], { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/StandardListResponse' } } } });
  assert.deepEqual(doc.components.schemas['StandardListResponse'], { type: 'object', properties: { keys: { type: 'array', items: { type: 'string' } } } });
  // A path with both read and list keeps its read at the bare path.
  assert.ok(doc.paths['/kv']!.get && !doc.paths['/kv']!.get.parameters);
  assert.equal(doc.paths['/kv/']!.get!.operationId, 'approle-list-kv');
  // A pattern with no OpenAPI form is listed, without operations (as Vault does).
  assert.deepEqual(doc.paths['/.*'], { description: 'Catch-all.' });
});

test('operations map to methods, fields to path parameters and a request body', () => {
  const doc = docOf();
  const item = doc.paths['/role/{name}']!;
  assert.deepEqual(item.parameters, [{ name: 'name', description: 'Name of the role.', in: 'path', schema: { type: 'string' }, required: true }]);
  assert.equal(item['x-vault-createSupported'], true);
  assert.equal(item.get!.operationId, 'approle-read-role-name');
  assert.deepEqual(item.get!.tags, ['auth']);
  assert.equal(item.post!.operationId, 'approle-write-role-name');
  assert.deepEqual(item.delete!.responses, { '204': { description: 'empty body' } });
  assert.deepEqual(item.post!.requestBody, {
    required: true,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ApproleWriteRoleNameRequest' } } },
  });
  assert.deepEqual(doc.components.schemas['ApproleWriteRoleNameRequest'], {
    type: 'object',
    properties: {
      bind: { type: 'boolean', description: 'Bind?' },
      token_policies: { type: 'array', description: 'Policies.', items: { type: 'string' } },
      token_ttl: { type: 'string', description: 'TTL of the tokens.', format: 'duration', default: '3600' },
    },
    required: ['bind'],
  });
  // Query fields are query parameters of a read, body properties of a write.
  const config = doc.paths['/config']!;
  assert.deepEqual(config.get!.parameters, [{ name: 'format', description: 'Output format.', in: 'query', schema: { type: 'string', enum: ['', 'json'] } }]);
  assert.deepEqual(Object.keys(doc.components.schemas['ApproleWriteConfigRequest']!.properties!), ['format']);
  // No fields: no body, unless the path takes arbitrary data.
  assert.equal(doc.paths['/rotate']!.post!.requestBody, undefined);
  assert.deepEqual(doc.paths['/blob']!.post!.requestBody, {
    required: true,
    content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
  });
});

test('special paths are marked unauthenticated or sudo; sensitive fields are marked too', () => {
  const doc = docOf();
  assert.equal(doc.paths['/login']!['x-vault-unauthenticated'], true);
  assert.equal(doc.paths['/login']!['x-vault-sudo'], undefined);
  assert.equal(doc.paths['/rotate']!['x-vault-sudo'], true);
  assert.equal(doc.paths['/config']!['x-vault-unauthenticated'], undefined);
  const login = doc.components.schemas['ApproleWriteLoginRequest']!;
  assert.deepEqual(login.properties!['secret_id'], { type: 'string', 'x-vault-displayAttrs': { sensitive: true } });
});

test('operation ids stay unique when two mounts of one type land in one document', () => {
  const doc = newOasDocument('1');
  const target = newOasTarget(doc);
  documentPaths(table, info, { ...target, pathPrefix: 'auth/a/' });
  documentPaths(table, info, { ...target, pathPrefix: 'auth/b/' });
  const ids: string[] = [];
  for (const item of Object.values(doc.paths)) for (const m of ['get', 'post', 'delete', 'patch'] as const) if (item[m]) ids.push(item[m].operationId);
  assert.equal(new Set(ids).size, ids.length, ids.join(' '));
  assert.equal(doc.paths['/auth/a/login']!.post!.operationId, 'approle-write-login');
  assert.equal(doc.paths['/auth/b/login']!.post!.operationId, 'approle-write-login_2');
  // Each id names its own request schema.
  assert.deepEqual(doc.paths['/auth/b/login']!.post!.requestBody!.content['application/json']!.schema, { $ref: '#/components/schemas/ApproleWriteLogin_2Request' });
});

test('field kinds map to OpenAPI types as Vault maps its field types', () => {
  const cases: [FieldSpec<unknown>, Record<string, unknown>][] = [
    [field.string(), { type: 'string' }],
    [field.lowerCaseString(), { type: 'string', format: 'lowercase' }],
    [field.int({ default: 5 }), { type: 'integer', default: 5 }],
    [field.bool({ default: true }), { type: 'boolean', default: true }],
    [field.durationSecond(), { type: 'string', format: 'duration' }],
    [field.signedDurationSecond(), { type: 'string', format: 'duration' }],
    [field.stringSlice({ default: ['a'] }), { type: 'array', items: { type: 'string' }, default: ['a'] }],
    [field.commaStringSlice(), { type: 'array', items: { type: 'string' } }],
    [field.commaIntSlice(), { type: 'array', items: { type: 'integer' } }],
    [field.map(), { type: 'object', format: 'map' }],
    [field.kvPairs(), { type: 'object', format: 'kvpairs' }],
    [field.raw({ description: 'anything' }), { description: 'anything' }],
  ];
  for (const [spec, want] of cases) assert.deepEqual(fieldSchema(spec), want, spec.kind);
});

test('a documented pattern stands in for a routing pattern with no OpenAPI form', () => {
  const doc = docOf([definePath({ pattern: '.*', documentedPattern: '(?<path>.*)', fields: {}, operations: { read: ok, update: ok, list: ok }, takesArbitraryData: true })]);
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/{path}', '/{path}/']);
  assert.deepEqual(doc.paths['/{path}']!.parameters, [{ name: 'path', in: 'path', schema: { type: 'string' }, required: true }]);
  assert.deepEqual(doc.paths['/{path}']!.post!.requestBody!.content['application/json']!.schema, { type: 'object', additionalProperties: true });
});

test('special paths match as Vault matches them: exact, prefix*, and + for one segment', () => {
  const cases: [string, string[], boolean][] = [
    ['login', ['login'], true],
    ['login/x', ['login'], false],
    ['login/x', ['login/*'], true],
    ['loginx', ['login*'], true],
    ['role/r1/secret-id', ['role/+/secret-id'], true],
    ['role/r1/secret-id/more', ['role/+/secret-id'], false],
    ['role/r1/other', ['role/+/secret-id'], false],
    ['role/r1/secret-id/more', ['role/+/secret-id/*'], true],
    ['role', ['role/+'], false],
    ['anything', [], false],
  ];
  for (const [path, special, want] of cases) assert.equal(specialPathMatch(path, special), want, `${path} ~ ${special.join(',')}`);
});
