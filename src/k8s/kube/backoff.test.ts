import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, KeyBackoff } from './backoff.js';

const policy = { baseMs: 100, maxMs: 5_000 };

test('the delay doubles per failure, stays within [half, full] of the step, and is capped at max', () => {
  const rows: [failures: number, step: number][] = [
    [0, 100],
    [1, 200],
    [2, 400],
    [5, 3_200],
    [6, 5_000],
    [60, 5_000],
    [5_000, 5_000],
  ];
  for (const [n, step] of rows) {
    assert.equal(backoffDelay(n, policy, () => 0), step / 2, `low bound after ${n} failures`);
    assert.equal(backoffDelay(n, policy, () => 0.999999), Math.round(step * (0.5 + 0.999999 / 2)), `high bound after ${n} failures`);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(n, policy);
      assert.ok(d >= step / 2 && d <= step, `${d} within [${step / 2}, ${step}] after ${n} failures`);
    }
  }
});

test('jitter spreads delays: the same failure count does not always give the same delay', () => {
  const seen = new Set(Array.from({ length: 40 }, () => backoffDelay(4, policy)));
  assert.ok(seen.size > 1);
});

test('per-key backoff counts failures per key and forget resets one key only', () => {
  const b = new KeyBackoff(policy, () => 0);
  assert.deepEqual([b.next('a'), b.next('a'), b.next('a'), b.next('b')], [50, 100, 200, 50]);
  assert.equal(b.failures('a'), 3);
  b.forget('a');
  assert.equal(b.failures('a'), 0);
  assert.equal(b.next('a'), 50);
  assert.equal(b.next('b'), 100);
});

test('a bad policy is refused when constructed, not when the first error happens', () => {
  assert.throws(() => new KeyBackoff({ baseMs: 0, maxMs: 10 }), /baseMs/);
  assert.throws(() => new KeyBackoff({ baseMs: 10, maxMs: 5 }), /maxMs/);
});
