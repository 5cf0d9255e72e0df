import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wrapAtLength } from './wrap.js';

describe('wrapAtLength', () => {
  const cases: [string, string, number, string][] = [
    ['short text stays on one line', 'one two three', 78, 'one two three'],
    ['breaks before the word that would pass the width', 'aaa bbb ccc', 7, 'aaa bbb\nccc'],
    ['a line exactly the width is kept', 'aaa bbb', 7, 'aaa bbb'],
    ['a word longer than the width stands alone', 'a bbbbbbbbbb c', 4, 'a\nbbbbbbbbbb\nc'],
    ['runs of spaces collapse', 'a   b', 10, 'a b'],
    ['existing newlines are kept', 'a b\nc d', 10, 'a b\nc d'],
    ['empty stays empty', '', 10, ''],
  ];
  for (const [what, input, width, want] of cases) {
    it(what, () => assert.equal(wrapAtLength(input, width), want));
  }
  it('no line of a long sentence passes 78 columns', () => {
    const s = 'Vault rekeyed with 5 key shares and a key threshold of 3. Please securely distribute the key shares printed above.';
    const out = wrapAtLength(s);
    assert.ok(out.split('\n').every((l) => l.length <= 78), out);
    assert.equal(out.replace(/\n/g, ' '), s);
  });
});
