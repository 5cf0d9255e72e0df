import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cr } from './sync-kind.js';
import { usersOfTransformation } from './transform-sync.js';

const cr = (ns: string, name: string, refs?: unknown): Cr => ({ metadata: { namespace: ns, name }, spec: { destination: { name: 'd', ...(refs === undefined ? {} : { transformation: { transformationRefs: refs } }) } } });

test('a SecretTransformation wakes exactly the resources that reference it (namespace defaulting to their own)', () => {
  const crs = [
    cr('apps', 'same-ns', [{ name: 'shared' }]),
    cr('apps', 'explicit', [{ namespace: 'apps', name: 'shared' }]),
    cr('other', 'cross-ns', [{ namespace: 'apps', name: 'shared' }]),
    cr('other', 'own-ns', [{ name: 'shared' }]),
    cr('apps', 'different', [{ name: 'else' }]),
    cr('apps', 'none'),
    cr('apps', 'junk', 'not-a-list'),
    cr('apps', 'junk-entry', [null, 7, { name: 'shared', namespace: '' }]),
  ];
  assert.deepEqual(usersOfTransformation(crs, { metadata: { namespace: 'apps', name: 'shared' } }), ['apps/same-ns', 'apps/explicit', 'other/cross-ns', 'apps/junk-entry']);
  assert.deepEqual(usersOfTransformation(crs, { metadata: { namespace: 'other', name: 'shared' } }), ['other/own-ns']);
});
