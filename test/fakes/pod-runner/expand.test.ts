import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandVars } from './expand.js';

const vars = new Map([['A', 'x'], ['EMPTY', ''], ['B', '$(A)']]);

test('$(VAR) expansion follows Kubernetes rules', () => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['$(A)', 'x'],
    ['pre-$(A)-post', 'pre-x-post'],
    ['$(A)$(A)', 'xx'],
    ['$(EMPTY)|', '|'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$x'],
    ['$$', '$'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['a$', 'a$'],
    ['$(B)', '$(A)'],
    ['$()', '$()'],
  ];
  for (const [input, want] of cases) assert.equal(expandVars(input, vars), want, input);
});
