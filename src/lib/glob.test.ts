import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from './glob.js';

describe('globMatch', () => {
  it('matches literals exactly and case-sensitively', () => {
    assert.equal(globMatch('dev', 'dev'), true);
    assert.equal(globMatch('dev', 'Dev'), false);
    assert.equal(globMatch('dev', 'devs'), false);
    assert.equal(globMatch('', ''), true);
    assert.equal(globMatch('', 'x'), false);
  });

  it('treats * as a run of zero or more characters, including none', () => {
    assert.equal(globMatch('*', ''), true);
    assert.equal(globMatch('*', 'anything/at.all'), true);
    assert.equal(globMatch('dev-*', 'dev-'), true);
    assert.equal(globMatch('dev-*', 'dev-app'), true);
    assert.equal(globMatch('*-prod', 'app-prod'), true);
    assert.equal(globMatch('a*b*c', 'abc'), true);
    assert.equal(globMatch('a*b*c', 'axxbyyc'), true);
    assert.equal(globMatch('a*b*c', 'acb'), false);
    assert.equal(globMatch('*.example.com', 'www.example.com'), true);
    assert.equal(globMatch('*.example.com', 'example.com'), false);
  });

  it('does not let pieces overlap the fixed prefix and suffix', () => {
    assert.equal(globMatch('ab*ba', 'aba'), false);
    assert.equal(globMatch('a*a', 'a'), false);
    assert.equal(globMatch('a*a', 'aa'), true);
  });

  it('takes regular-expression characters literally', () => {
    assert.equal(globMatch('a.c', 'abc'), false);
    assert.equal(globMatch('(x)+', '(x)+'), true);
    assert.equal(globMatch('[a-z]*', 'b'), false);
  });

  it('answers a megabyte glob and a pathological pattern (work is linear, so this returns)', () => {
    const huge = `${'a*'.repeat(500_000)}b`;
    assert.equal(globMatch(huge, `${'a'.repeat(1000)}c`), false);
    assert.equal(globMatch(`${'x'.repeat(1 << 20)}*`, 'x'), false);
  });
});
