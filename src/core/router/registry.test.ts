import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendFactory } from '../../sdk/logical.js';
import { builtinRegistry } from '../builtin-registry.js';
import { BackendRegistry } from './registry.js';

test('one type name can be both an auth method and a secrets engine (kubernetes)', () => {
  const auth: BackendFactory = async () => Promise.reject(new Error('auth'));
  const secret: BackendFactory = async () => Promise.reject(new Error('secret'));
  const r = new BackendRegistry();
  r.register('kubernetes', 'auth', auth);
  r.register('kubernetes', 'secret', secret);
  assert.equal(r.get('kubernetes', 'auth')?.factory, auth);
  assert.equal(r.get('kubernetes', 'secret')?.factory, secret);
  assert.deepEqual(r.list(), [
    { type: 'kubernetes', kind: 'auth' },
    { type: 'kubernetes', kind: 'secret' },
  ]);
  const builtin = builtinRegistry();
  assert.equal(builtin.get('kubernetes', 'auth')?.kind, 'auth');
  assert.equal(builtin.get('kubernetes', 'secret')?.kind, 'secret');
});
