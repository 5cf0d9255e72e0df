import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, escapePointer, parseJsonPatch } from './json-patch.js';

const doc = { a: { 'x/y': 1, 'm~n': 2 }, list: [1, 2, 3] };

test('RFC 6902 operations', () => {
  const cases: [string, unknown][] = [
    ['[{"op":"add","path":"/list/1","value":9}]', { ...doc, list: [1, 9, 2, 3] }],
    ['[{"op":"add","path":"/list/-","value":4}]', { ...doc, list: [1, 2, 3, 4] }],
    ['[{"op":"add","path":"/a/x~1y","value":5}]', { ...doc, a: { 'x/y': 5, 'm~n': 2 } }],
    ['[{"op":"remove","path":"/a/m~0n"}]', { ...doc, a: { 'x/y': 1 } }],
    ['[{"op":"replace","path":"/list/0","value":0}]', { ...doc, list: [0, 2, 3] }],
    ['[{"op":"move","from":"/list/0","path":"/first"}]', { ...doc, list: [2, 3], first: 1 }],
    ['[{"op":"copy","from":"/a","path":"/b"}]', { ...doc, b: doc.a }],
    ['[{"op":"test","path":"/list","value":[1,2,3]},{"op":"add","path":"/ok","value":true}]', { ...doc, ok: true }],
  ];
  for (const [patch, want] of cases) assert.deepEqual(applyJsonPatch(doc, parseJsonPatch(patch)), want, patch);
  assert.deepEqual(doc, { a: { 'x/y': 1, 'm~n': 2 }, list: [1, 2, 3] }, 'the input is not modified');
});

test('operations that do not apply fail with the path', () => {
  const bad: [string, RegExp][] = [
    ['[{"op":"replace","path":"/nope","value":1}]', /\/nope does not exist/],
    ['[{"op":"remove","path":"/list/3"}]', /index 3 out of range/],
    ['[{"op":"add","path":"/missing/x","value":1}]', /\/missing\/x does not exist/],
    ['[{"op":"add","path":"/list/01","value":1}]', /invalid array index "01"/],
    ['[{"op":"test","path":"/list/0","value":2}]', /test failed at \/list\/0/],
  ];
  for (const [patch, msg] of bad) assert.throws(() => applyJsonPatch(doc, parseJsonPatch(patch)), msg, patch);
});

test('malformed patches are rejected when parsed, naming the operation', () => {
  const bad: [string, RegExp][] = [
    ['{"op":"add"}', /array of operations/],
    ['[{"op":"add","path":"/a"}]', /operation 0 \(add\) has no "value"/],
    ['[{"op":"frobnicate","path":"/a"}]', /operation 0 has unknown op "frobnicate"/],
    ['[{"op":"remove","path":"a"}]', /must start with "\/"/],
    ['[{"op":"move","path":"/a"}]', /operation 0 \(move\) has no "from"/],
    ['[1]', /operation 0 is not an object/],
    ['[{"op":', /JSON|Unexpected|Expected/],
  ];
  for (const [patch, msg] of bad) assert.throws(() => parseJsonPatch(patch), msg, patch);
});

test('pointer escaping', () => {
  assert.equal(escapePointer('vault.hashicorp.com/agent-inject-status'), 'vault.hashicorp.com~1agent-inject-status');
  assert.equal(escapePointer('a~/b'), 'a~0~1b');
});
