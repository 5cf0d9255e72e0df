import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listBounds, splitKey, successor } from './keys.js';

test('splitKey lays keys out as Vault does (parent_path, path, key)', () => {
  assert.deepEqual(splitKey('top'), { parentPath: '', path: '/', key: 'top' });
  assert.deepEqual(splitKey('a/b'), { parentPath: '/', path: '/a/', key: 'b' });
  assert.deepEqual(splitKey('sys/token/id/h1'), { parentPath: '/sys/token/', path: '/sys/token/id/', key: 'h1' });
  assert.deepEqual(splitKey('c/'), { parentPath: '/', path: '/c/', key: '' });
});

test('successor is the first string after every string with that prefix (code-point order)', () => {
  assert.equal(successor('/a/'), '/a0');
  assert.equal(successor('ab'), 'ac');
  assert.equal(successor('a\u{10ffff}'), 'b');
  assert.equal(successor('\u{d7ff}'), '\u{e000}');
  assert.equal(successor(''), null);
  assert.equal(successor('\u{10ffff}'), null);
});

test('listBounds splits a prefix into its folder and the partial name after it', () => {
  assert.deepEqual(listBounds(''), { full: '/', fullEnd: '0', dir: '/', part: '', partEnd: null });
  assert.deepEqual(listBounds('b/d/'), { full: '/b/d/', fullEnd: '/b/d0', dir: '/b/d/', part: '', partEnd: null });
  assert.deepEqual(listBounds('a'), { full: '/a', fullEnd: '/b', dir: '/', part: 'a', partEnd: 'b' });
  assert.deepEqual(listBounds('x/ab'), { full: '/x/ab', fullEnd: '/x/ac', dir: '/x/', part: 'ab', partEnd: 'ac' });
});
