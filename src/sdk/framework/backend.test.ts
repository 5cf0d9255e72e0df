import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogicalRequest } from '../logical.js';
import { defineBackend } from './backend.js';
import { field } from './fields.js';
import { definePath } from './path.js';

/** Echoes what the handler saw: the parsed fields and the raw (merged) data. */
const backend = defineBackend({
  type: 'echo',
  kind: 'secret',
  paths: [
    definePath({
      pattern: 'things/(?<name>\\w+)',
      fields: { name: field.string({ description: 'from the URL' }), size: field.int({ description: 'a number' }) },
      operations: { update: async (_req, d) => ({ data: { name: d.get('name'), size: d.get('size'), raw: d.raw } }) },
    }),
    definePath({
      pattern: 'plain',
      fields: { size: field.int({ description: 'a number', required: true }) },
      operations: { update: async (_req, d) => ({ data: { size: d.get('size'), raw: d.raw } }) },
    }),
  ],
});

const request = (path: string, data: Record<string, unknown>): LogicalRequest =>
  ({ id: 'r', operation: 'update', path, data, mountPoint: 'echo/', mountType: 'echo', mountAccessor: 'a', clientToken: '', caller: null, headers: {}, wrapTtl: 0 }) as unknown as LogicalRequest;

test('a URL capture wins over a body key of the same name, and unknown keys are warned about', async () => {
  const data = { name: 'from-body', size: '3', extra: true };
  const res = await backend.handleRequest(request('things/fromurl', data));
  assert.equal(res?.data?.['name'], 'fromurl');
  assert.equal(res?.data?.['size'], 3);
  assert.deepEqual(res?.data?.['raw'], { name: 'fromurl', size: '3', extra: true });
  assert.deepEqual(res?.warnings, ['Endpoint ignored these unrecognized parameters: [extra]']);
  // The request's own data is left as the client sent it (the audit log records it).
  assert.deepEqual(data, { name: 'from-body', size: '3', extra: true });
});

test('a path without captures parses the body alone, and still enforces required fields', async () => {
  const res = await backend.handleRequest(request('plain', { size: 7, other: 'x' }));
  assert.equal(res?.data?.['size'], 7);
  assert.deepEqual(res?.data?.['raw'], { size: 7, other: 'x' });
  assert.deepEqual(res?.warnings, ['Endpoint ignored these unrecognized parameters: [other]']);
  await assert.rejects(backend.handleRequest(request('plain', {})), /missing size/);
});
