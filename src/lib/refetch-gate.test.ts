import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefetchGate } from './refetch-gate.js';

test('RefetchGate: one fetch per key per interval; keys are independent', () => {
  const g = new RefetchGate(10_000);
  const steps: [number, string, boolean][] = [
    [0, 'a', true],
    [1, 'a', false],
    [9_999, 'a', false],
    [5_000, 'b', true],
    [10_000, 'a', true],
    [10_001, 'a', false],
    [14_999, 'b', false],
    [15_000, 'b', true],
  ];
  for (const [now, key, want] of steps) assert.equal(g.tryFetch(key, now), want, `${key} at ${now}`);
});

test('RefetchGate: a fetch made outside the gate (the first load) also starts the interval', () => {
  const g = new RefetchGate(1000);
  g.fetched('k', 50);
  assert.equal(g.tryFetch('k', 1049), false);
  assert.equal(g.tryFetch('k', 1050), true);
});

test('RefetchGate: forgets keys beyond its bound, oldest first', () => {
  const g = new RefetchGate(1000, 2);
  g.fetched('a', 0);
  g.fetched('b', 0);
  g.fetched('c', 0);
  assert.equal(g.tryFetch('a', 1), true, 'a was forgotten');
  assert.equal(g.tryFetch('c', 1), false);
});
