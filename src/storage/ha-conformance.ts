/**
 * The behaviour every HaBackend must show (acquire, wait, release, loss, fencing), as one
 * node:test suite that each HA-capable store's test file runs against itself, the way
 * conformance.ts does for plain storage. A new HA store is done when this passes unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LockLostError, type PhysicalBackend } from './physical.js';

export interface HaPair {
  /** Two nodes' stores on the same engine and namespace, each with `ha` present. */
  a: PhysicalBackend;
  b: PhysicalBackend;
  /**
   * Ends the current holding from outside the holder, as an expired TTL or an operator
   * would (etcd: revoke the holder's lease; PostgreSQL: delete or expire the lock row).
   */
  forceExpire(key: string): Promise<void>;
  /** Closes both stores and anything else the factory started. */
  close(): Promise<void>;
}

const LOCK = 'core/lock';

/** Polls `check` until it holds, for at most `ms` (a deadline, not a timing assertion). */
async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Settles to 'settled' or 'pending' after giving `p` a moment (used to show something has NOT happened yet). */
async function state(p: Promise<unknown>, ms = 300): Promise<'settled' | 'pending'> {
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

/**
 * Registers the shared HA tests under `describe(name)`. `make` returns a fresh pair on an
 * empty namespace each call; the suite closes every pair it makes. Stores should use a
 * short lock TTL in tests (a few seconds) so loss is seen quickly.
 */
export function exerciseHa(name: string, make: () => Promise<HaPair>): void {
  const withPair = (fn: (p: HaPair) => Promise<void>) => async () => {
    const p = await make();
    try {
      await fn(p);
    } finally {
      await p.close();
    }
  };
  const never = (): AbortSignal => new AbortController().signal;

  describe(`${name}: HA lock conformance`, () => {
    test('both nodes see nobody, then the holder\'s value', withPair(async ({ a, b }) => {
      assert.equal(await b.ha!.lock(LOCK, 'node-b').value(), null);
      const held = await a.ha!.lock(LOCK, 'https://a:8200').acquire(never());
      assert.equal(await a.ha!.lock(LOCK, 'x').value(), 'https://a:8200');
      assert.equal(await b.ha!.lock(LOCK, 'x').value(), 'https://a:8200');
      await held.release();
      await eventually('the lock to be free after release', async () => (await b.ha!.lock(LOCK, 'x').value()) === null);
    }));

    test('a second node waits while the first holds, and gets the lock on release', withPair(async ({ a, b }) => {
      const first = await a.ha!.lock(LOCK, 'a').acquire(never());
      const second = b.ha!.lock(LOCK, 'b').acquire(never());
      assert.equal(await state(second, 1500), 'pending', 'b acquired a lock a holds');
      await first.release();
      const held = await second;
      assert.equal(await a.ha!.lock(LOCK, 'x').value(), 'b');
      assert.equal(await state(first.lost), 'pending', 'release is not a loss');
      await held.release();
    }));

    test('acquire rejects with AbortError when aborted while waiting', withPair(async ({ a, b }) => {
      const first = await a.ha!.lock(LOCK, 'a').acquire(never());
      const ac = new AbortController();
      const waiting = b.ha!.lock(LOCK, 'b').acquire(ac.signal);
      ac.abort();
      await assert.rejects(waiting, (e: Error) => e.name === 'AbortError');
      assert.equal(await a.ha!.lock(LOCK, 'x').value(), 'a');
      await first.release();
    }));

    test('the holder writes while it holds; writes are fenced after the holding is lost', withPair(async ({ a, b, forceExpire }) => {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      await a.put('data/k', Buffer.from('from-a'));
      await a.transaction([{ op: 'put', key: 'data/t', value: Buffer.from('tx-a') }]);
      // Several ops while holding: puts only, and puts with a delete (one fenced statement each on PostgreSQL).
      await a.transaction([{ op: 'put', key: 'data/u', value: Buffer.from('u') }, { op: 'put', key: 'data/v', value: Buffer.from('v') }]);
      await a.transaction([{ op: 'put', key: 'data/w', value: Buffer.from('w') }, { op: 'delete', key: 'data/u' }]);
      await forceExpire(LOCK);
      await held.lost; // settles; the suite's deadline bounds how long
      const taken = await b.ha!.lock(LOCK, 'b').acquire(never());
      await b.put('data/k', Buffer.from('from-b'));
      // The old active wakes up and tries to write: the engine refuses, nothing changes.
      await assert.rejects(a.put('data/k', Buffer.from('stale-a')), LockLostError);
      await assert.rejects(a.delete('data/t'), LockLostError);
      await assert.rejects(a.transaction([{ op: 'put', key: 'data/k', value: Buffer.from('stale-tx') }, { op: 'delete', key: 'data/t' }]), LockLostError);
      await assert.rejects(a.transaction([{ op: 'put', key: 'data/k', value: Buffer.from('stale-tx') }, { op: 'put', key: 'data/v', value: Buffer.from('stale-v') }]), LockLostError);
      assert.equal((await b.get('data/k'))?.toString(), 'from-b');
      assert.equal((await b.get('data/t'))?.toString(), 'tx-a');
      assert.equal(await b.get('data/u'), null);
      assert.equal((await b.get('data/v'))?.toString(), 'v');
      assert.equal((await b.get('data/w'))?.toString(), 'w');
      await taken.release();
    }));

    test('a node that lost the lock can acquire it again and write', withPair(async ({ a, forceExpire }) => {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      await forceExpire(LOCK);
      await held.lost;
      await assert.rejects(a.put('k', Buffer.from('1')), LockLostError);
      const again = await a.ha!.lock(LOCK, 'a').acquire(never());
      await a.put('k', Buffer.from('2'));
      assert.equal((await a.get('k'))?.toString(), '2');
      await again.release();
    }));

    test('writes after release are refused too (a stepped-down node is not active)', withPair(async ({ a }) => {
      const held = await a.ha!.lock(LOCK, 'a').acquire(never());
      await held.release();
      await assert.rejects(a.put('k', Buffer.from('late')), LockLostError);
      assert.equal(await a.get('k'), null);
    }));

    test('closing the holder\'s store frees the lock for the other node', withPair(async ({ a, b }) => {
      await a.ha!.lock(LOCK, 'a').acquire(never());
      await a.close();
      const held = await b.ha!.lock(LOCK, 'b').acquire(never());
      assert.equal(await b.ha!.lock(LOCK, 'x').value(), 'b');
      await held.release();
    }));
  });
}
