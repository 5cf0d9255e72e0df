import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefetchGate } from './refetch-gate.js';

test('RefetchGate: a fruitless refetch closes its key set for the interval; others stay open', () => {
  const g = new RefetchGate(10_000);
  assert.equal(g.allowed('a', 0), true, 'never missed');
  g.missed('a', 100);
  const steps: [number, string, boolean][] = [
    [100, 'a', false],
    [10_099, 'a', false],
    [10_100, 'a', true],
    [200, 'b', true],
  ];
  for (const [now, key, want] of steps) assert.equal(g.allowed(key, now), want, `${key} at ${now}`);
  g.missed('a', 10_100);
  assert.equal(g.allowed('a', 10_101), false, 'a new miss starts a new interval');
  g.found('a');
  assert.equal(g.allowed('a', 10_102), true, 'a refetch that found its kid reopens the gate');
});

test('RefetchGate: forgets key sets beyond its bound, oldest first', () => {
  const g = new RefetchGate(1000, 2);
  g.missed('a', 0);
  g.missed('b', 0);
  g.missed('c', 0);
  assert.equal(g.allowed('a', 1), true, 'a was forgotten');
  assert.equal(g.allowed('b', 1), false);
  assert.equal(g.allowed('c', 1), false);
});
