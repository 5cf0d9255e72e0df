import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepLease, leaseOf, type HeldLease } from './leases.js';

const held = (o: Partial<HeldLease>): HeldLease => ({ body: {}, leaseId: 'l', renewable: true, ttl: 60, expiresAt: 60_000, ...o });

test('which responses carry a lease worth keeping', () => {
  assert.equal(leaseOf({ lease_id: '', lease_duration: 2764800, data: {} }, 0), undefined, 'KV v1: no lease id');
  assert.equal(leaseOf({ data: { data: {} } }, 0), undefined, 'KV v2');
  assert.deepEqual(leaseOf({ lease_id: 'db/creds/r/abc', lease_duration: 60, renewable: true }, 1000), {
    body: { lease_id: 'db/creds/r/abc', lease_duration: 60, renewable: true },
    leaseId: 'db/creds/r/abc',
    renewable: true,
    ttl: 60,
    expiresAt: 61_000,
  });
});

test('a lease is kept while renewal extends it, and replaced when it cannot be renewed', () => {
  const table: [string, HeldLease, number, number | undefined, boolean][] = [
    ['renewed to its full ttl', held({}), 30_000, 60, true],
    ['renewed, capped but above a third', held({}), 30_000, 20, true],
    ['renewed, capped below a third (max TTL near)', held({}), 30_000, 19, false],
    ['renewal refused', held({}), 30_000, undefined, false],
    ['not renewable, two thirds left', held({ renewable: false }), 20_000, undefined, true],
    ['not renewable, under a third left', held({ renewable: false }), 41_000, undefined, false],
  ];
  for (const [name, h, now, renewed, want] of table) assert.equal(keepLease(h, now, renewed), want, name);
});
