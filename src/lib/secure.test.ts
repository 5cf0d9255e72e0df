import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual, constantTimeEqualPublicLength, zeroize } from './secure.js';

test('constantTimeEqual: equal only for the same bytes, whatever the lengths and types', () => {
  assert.equal(constantTimeEqual('s3cret', 's3cret'), true);
  assert.equal(constantTimeEqual('s3cret', 's3creT'), false);
  assert.equal(constantTimeEqual('s3cret', 's3cret '), false, 'a longer value is not equal');
  assert.equal(constantTimeEqual('', ''), true);
  assert.equal(constantTimeEqual('', 'x'), false);
  assert.equal(constantTimeEqual(Buffer.from('s3cret'), 's3cret'), true, 'a Buffer equals its UTF-8 string');
  assert.equal(constantTimeEqual(Buffer.from([0xff]), Buffer.from([0xfe])), false);
  assert.equal(constantTimeEqual('é', 'e\u0301'), false, 'no Unicode normalisation: different bytes differ');
});

test('constantTimeEqualPublicLength: equal strings only; a length mismatch is false, not a throw', () => {
  assert.equal(constantTimeEqualPublicLength('hvs.abc', 'hvs.abc'), true);
  assert.equal(constantTimeEqualPublicLength('hvs.abc', 'hvs.abd'), false);
  assert.equal(constantTimeEqualPublicLength('hvs.abc', 'hvs.ab'), false);
  assert.equal(constantTimeEqualPublicLength('', ''), true);
  // Same number of UTF-16 units, different UTF-8 lengths: compared as bytes, so no throw.
  assert.equal(constantTimeEqualPublicLength('é', 'e'), false);
  assert.equal(constantTimeEqualPublicLength('日本', '日本'), true);
});

test('zeroize overwrites every buffer in place and skips missing ones', () => {
  const a = Buffer.from('key material');
  const b = new Uint8Array([1, 2, 3]);
  const view = a.subarray(4);
  zeroize(a, undefined, b, null);
  assert.deepEqual([...a], new Array(12).fill(0));
  assert.deepEqual([...b], [0, 0, 0]);
  assert.deepEqual([...view], new Array(8).fill(0), 'views of the same memory see zeros');
  assert.doesNotThrow(() => zeroize());
});
