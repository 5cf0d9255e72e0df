import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InmemStorage } from '../storage.js';
import { testRequest } from '../testing.js';
import { defineBackend, roleResolverOf } from './backend.js';
import { field } from './fields.js';
import { definePath } from './path.js';

const withRoles = defineBackend({
  type: 'roled',
  kind: 'auth',
  paths: [
    definePath({
      pattern: 'login',
      fields: { role: field.lowerCaseString({ description: 'the role' }) },
      operations: { update: async () => null },
      resolveRole: async (_req, d) => d.get('role'),
    }),
  ],
});

const without = defineBackend({
  type: 'plain',
  kind: 'auth',
  paths: [definePath({ pattern: 'login', fields: { username: field.string({ description: 'who' }) }, operations: { update: async () => null } })],
});

test('a backend whose login path declares resolveRole has a resolver; it parses the fields as the login would', async () => {
  const resolve = roleResolverOf(withRoles);
  assert.ok(resolve);
  const storage = new InmemStorage();
  assert.equal(await resolve(testRequest(storage, 'update', 'login', { role: 'Web', jwt: 'x' })), 'web');
  // Bad input resolves no role (the login itself will refuse it), rather than throwing.
  assert.equal(await resolve(testRequest(storage, 'update', 'login', { role: { not: 'a string' } })), '');
});

test('a backend without resolveRole has no resolver (role quotas on it are refused)', () => {
  assert.equal(roleResolverOf(without), undefined);
});
