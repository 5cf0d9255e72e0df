import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidationFor, type Invalidation } from './invalidation.js';

test('each changed storage key maps to what it invalidates on a performance standby', () => {
  const table: Array<[string, Invalidation]> = [
    ['core/keyring', { kind: 'keyring' }],
    ['core/mounts', { kind: 'rebuild' }],
    ['core/auth', { kind: 'rebuild' }],
    ['sys/audit/table', { kind: 'rebuild' }],
    ['sys/audit/audited-headers', { kind: 'rebuild' }],
    ['sys/token/salt', { kind: 'rebuild' }],
    ['sys/token/batch-key', { kind: 'rebuild' }],
    ['sys/policy/reader', { kind: 'policy', name: 'reader' }],
    ['sys/policy/', { kind: 'value' }],
    ['sys/token/id/abc123', { kind: 'token', key: 'abc123' }],
    ['sys/token/accessor/def', { kind: 'value' }],
    ['logical/0a1b/data/foo', { kind: 'value' }],
    ['core/leader/node-1', { kind: 'value' }],
    ['core/mounts-other', { kind: 'value' }],
    ['sys/identity/entity/0b5c', { kind: 'identity', key: 'entity/0b5c' }],
    ['sys/identity/group/9f1e', { kind: 'identity', key: 'group/9f1e' }],
    ['sys/identity/', { kind: 'value' }],
  ];
  for (const [key, want] of table) assert.deepEqual(invalidationFor(key), want, key);
});
