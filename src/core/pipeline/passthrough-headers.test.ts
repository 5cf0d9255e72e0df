import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passthroughHeaders } from './passthrough-headers.js';

const raw = ['Host', 'ward:8200', 'X-Request-Id', 'abc', 'User-Agent', 'curl', 'x-request-id', 'def', 'X-Team', 'blue'];

test('passthrough headers: a mount that lists none gives backends no headers', () => {
  const h = passthroughHeaders(raw, []);
  assert.deepEqual({ ...h }, {});
  assert.ok(Object.isFrozen(h), 'the shared empty map cannot be written to');
});

test('passthrough headers: only listed names pass, matched without regard to case, repeats kept in order', () => {
  const h = passthroughHeaders(raw, ['X-Request-ID', 'x-team', 'X-Absent']);
  assert.deepEqual({ ...h }, { 'x-request-id': ['abc', 'def'], 'x-team': 'blue' });
});
