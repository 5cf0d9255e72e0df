import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseHeap } from './lease-heap.js';
import { calculateTtl } from './ttl.js';
import { isWardError } from '../../../test/helpers/errors.js';

test('LeaseHeap pops in time order under random inserts, moves and deletes', () => {
  const heap = new LeaseHeap();
  const truth = new Map<string, number>();
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 3000; i++) {
    const id = `l${Math.floor(rnd() * 800)}`;
    if (rnd() < 0.2) {
      heap.delete(id);
      truth.delete(id);
    } else {
      const t = Math.floor(rnd() * 1e6);
      heap.set(id, t);
      truth.set(id, t);
    }
  }
  assert.equal(heap.size, truth.size);
  const expected = [...truth.values()].sort((a, b) => a - b);
  const got: number[] = [];
  for (let top = heap.peek(); top; top = heap.peek()) {
    assert.equal(truth.get(top.id), top.time);
    got.push(top.time);
    heap.delete(top.id);
  }
  assert.deepEqual(got, expected);
});

test('calculateTtl: default, cap with warning, period, explicit max, past max', () => {
  const base = { now: 0, start: 0, increment: 0, backendTtl: 0, defaultTtl: 3600, period: 0, backendMaxTtl: 0, explicitMaxTtl: 0, maxTtl: 86400 };
  assert.deepEqual(calculateTtl(base), { ttl: 3600, warnings: [] });
  assert.equal(calculateTtl({ ...base, backendTtl: 60 }).ttl, 60);
  const capped = calculateTtl({ ...base, increment: 100000 });
  assert.equal(capped.ttl, 86400);
  assert.equal(capped.warnings.length, 1);
  assert.equal(calculateTtl({ ...base, explicitMaxTtl: 100 }).ttl, 100);
  // Periodic: reset to the period each time, unbounded by the accumulated mount max.
  assert.equal(calculateTtl({ ...base, period: 600, now: 200_000_000 }).ttl, 600);
  assert.equal(calculateTtl({ ...base, period: 600, explicitMaxTtl: 1000, now: 700_000 }).ttl, 300);
  assert.throws(
    () => calculateTtl({ ...base, now: 86_400_000 }),
    isWardError(400, 'past the max TTL, cannot renew'),
  );
});
