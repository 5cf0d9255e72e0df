import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareUtf8 } from './key-order.js';

test('compareUtf8 sorts exactly as Buffer.compare on the UTF-8 bytes', () => {
  const samples = ['', 'a', 'a/', 'a-b', 'a0', 'ab', 'k\uE000', 'k\u{10000}', 'k\uFFFF', 'k\u{10FFFF}', 'k\u{1F600}x', 'k\u{1F601}', 'ü', 'z', 'é/日本'];
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  for (const a of samples) {
    for (const b of samples) {
      assert.equal(Math.sign(compareUtf8(a, b)), Math.sign(Buffer.compare(bytes(a), bytes(b))), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  }
});
