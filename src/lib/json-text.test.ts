import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quote, stringifyShared } from './json-text.js';

test('quote gives the same literal as JSON.stringify, for plain and awkward strings', () => {
  for (const s of ['', 'plain', 'hmac-sha256:ab12', 'a"b', 'back\\slash', 'tab\there', 'new\nline', 'ünï', '\u2028', 'emoji 🔑', '\u007f', '</script>']) {
    assert.equal(quote(s), JSON.stringify(s), s);
    assert.equal(JSON.parse(quote(s)), s);
  }
});

test('stringifyShared reuses the text of a frozen object and re-serialises anything else', () => {
  const frozen = Object.freeze({ a: 1 });
  assert.equal(stringifyShared(frozen), '{"a":1}');
  const mutable: Record<string, number> = { a: 1 };
  assert.equal(stringifyShared(mutable), '{"a":1}');
  mutable['a'] = 2;
  assert.equal(stringifyShared(mutable), '{"a":2}', 'a mutable object is never served from the memo');
  assert.equal(stringifyShared(null), 'null');
  assert.equal(stringifyShared('x'), '"x"');
});
