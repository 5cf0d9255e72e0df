/**
 * revoke-prefix over many leases lets the event loop turn often. Every revocation here
 * holds the thread for 1 ms (what a token revocation's storage work costs under load),
 * and a probe counts event-loop turns: the test asserts how many revocations ran within
 * one turn. Revoked 500 at a time in one turn, a prefix of 3,000 leases held the loop for
 * half a second at a stretch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineBackend } from '../../sdk/index.js';
import { harness, testEngine } from './testing.js';

/** Most revocations allowed between two turns of the loop (at 1 ms each). */
const MAX_PER_TURN = 100;

function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('revokePrefix lets the event loop turn between small groups of revocations', async () => {
  let turn = 0;
  const turnOfRevocation: number[] = [];
  const engine = testEngine();
  engine.backend = defineBackend({
    type: 'test-engine',
    kind: 'secret',
    paths: [],
    secretTypes: {
      creds: {
        renew: async () => ({ ttl: 60 }),
        revoke: async () => {
          turnOfRevocation.push(turn);
          blockFor(1);
        },
      },
    },
  });
  const h = harness({ engine });
  const n = 3000;
  for (let i = 0; i < n; i++) {
    await h.exp.registerSecret({
      path: 'db/creds/ro',
      secret: { type: 'creds', ttl: 600, maxTtl: 0, renewable: true, internalData: {} },
      tokenKey: 'tk1',
      mountPoint: 'db/',
      defaultTtl: 3600,
      maxTtl: 86400,
    });
  }
  let probing = true;
  const probe = (): void => {
    turn++;
    if (probing) setImmediate(probe);
  };
  setImmediate(probe);
  await h.exp.revokePrefix('db/creds');
  probing = false;

  assert.equal(turnOfRevocation.length, n);
  assert.equal(h.exp.count(), 0);
  const perTurn = new Map<number, number>();
  for (const t of turnOfRevocation) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
  const most = Math.max(...perTurn.values());
  assert.ok(most <= MAX_PER_TURN, `${most} revocations (${most} ms of work) ran in one turn of the event loop`);
  h.exp.stop();
});
