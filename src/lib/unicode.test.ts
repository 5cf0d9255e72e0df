import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAscii, isWellFormed, shorten, toWellFormed } from './unicode.js';

test('well-formedness: unpaired surrogates, not pairs', () => {
  assert.equal(isWellFormed('a\u{1F600}b'), true);
  assert.equal(isWellFormed('a\ud800b'), false);
  assert.equal(isWellFormed('\udc00'), false);
  assert.equal(toWellFormed('a\ud800b\u{1F600}'), 'a\ufffdb\u{1F600}');
});

test('isAscii', () => {
  assert.equal(isAscii('spiffe://x/y'), true);
  assert.equal(isAscii('bücher'), false);
  assert.equal(isAscii('\ud800'), false);
});

test('shorten never splits a surrogate pair', () => {
  assert.equal(shorten('abc', 64), 'abc');
  assert.equal(shorten('x'.repeat(100), 10), 'xxxxxxx...');
  const cut = shorten(`${'x'.repeat(6)}\u{1F600}${'y'.repeat(50)}`, 10);
  assert.equal(cut, 'xxxxxx...');
  assert.equal(isWellFormed(cut), true);
});
