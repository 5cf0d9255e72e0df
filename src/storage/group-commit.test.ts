import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GroupCommit } from './group-commit.js';
import type { TxOp } from './physical.js';

const put = (key: string, v = key): TxOp => ({ op: 'put', key, value: Buffer.from(v) });
const del = (key: string): TxOp => ({ op: 'delete', key });
const show = (ops: TxOp[]) => ops.map((o) => (o.op === 'put' ? `put ${o.key}=${o.value.toString()}` : `delete ${o.key}`));

/** A GroupCommit over a recording engine; `fail(ops)` returns the error to throw for a call, if any. */
function setup(o: { maxOps?: number; maxBytes?: number; fail?: (ops: TxOp[]) => Error | null; isolate?: (e: unknown) => boolean } = {}) {
  const calls: string[][] = [];
  const g = new GroupCommit(
    async (ops) => {
      calls.push(show(ops));
      const e = o.fail?.(ops) ?? null;
      if (e) throw e;
    },
    { maxOps: o.maxOps ?? 100, maxBytes: o.maxBytes ?? 1 << 20, isolate: o.isolate ?? (() => true) },
  );
  return { g, calls };
}

describe('GroupCommit', () => {
  test('transactions issued in one turn go to the engine as one, in order; the last op on a key wins', async () => {
    const { g, calls } = setup();
    await Promise.all([g.submit([put('a', '1'), put('b')]), g.submit([del('c')]), g.submit([put('a', '2')])]);
    assert.deepEqual(calls, [['put b=b', 'delete c', 'put a=2']]);
  });

  test('one alone is committed as it is', async () => {
    const { g, calls } = setup();
    await g.submit([put('x')]);
    assert.deepEqual(calls, [['put x=x']]);
  });

  test('a refused group is retried one transaction at a time, so only the bad one fails', async () => {
    const { g, calls } = setup({ fail: (ops) => (ops.some((o) => o.key === 'bad') ? new Error('bad key') : null) });
    const results = await Promise.allSettled([g.submit([put('a')]), g.submit([put('bad'), put('b')]), g.submit([put('c')])]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /bad key/);
    assert.deepEqual(calls, [['put a=a', 'put bad=bad', 'put b=b', 'put c=c'], ['put a=a'], ['put bad=bad', 'put b=b'], ['put c=c']]);
  });

  test('a failure that is not about one transaction (engine down, lock lost) fails them all, with no retry', async () => {
    const { g, calls } = setup({ fail: () => new Error('connection lost'), isolate: () => false });
    const results = await Promise.allSettled([g.submit([put('a')]), g.submit([put('b')])]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(calls.length, 1);
  });

  test('groups stay under the op and byte limits; a transaction over them goes alone, whole', async () => {
    const { g, calls } = setup({ maxOps: 3, maxBytes: 10 });
    await Promise.all([
      g.submit([put('a'), put('b')]),
      g.submit([put('c'), put('d')]), // would make 4 ops
      g.submit([put('e', '123456789')]), // would make 11 bytes
      g.submit([put('f'), put('g'), put('h'), put('i')]), // over maxOps alone
    ]);
    assert.deepEqual(calls, [['put a=a', 'put b=b'], ['put c=c', 'put d=d'], ['put e=123456789'], ['put f=f', 'put g=g', 'put h=h', 'put i=i']]);
  });

  test('what is issued while a group is being committed joins the next group', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const calls: string[][] = [];
    const g = new GroupCommit(
      async (ops) => {
        calls.push(show(ops));
        if (calls.length === 1) await gate;
      },
      { maxOps: 100, maxBytes: 1 << 20, isolate: () => true },
    );
    const first = g.submit([put('a')]);
    await new Promise((r) => setImmediate(r));
    const later = [g.submit([put('b')]), g.submit([put('c')])];
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([first, ...later]);
    assert.deepEqual(calls[0], ['put a=a']);
    assert.deepEqual(calls.slice(1), [['put b=b', 'put c=c']], 'issued in one turn: one group');
  });
  test('with maxInFlight, writes issued while the engine is busy wait and go as one group', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const calls: string[][] = [];
    const g = new GroupCommit(
      async (ops) => {
        calls.push(show(ops));
        if (calls.length === 1) await gate;
      },
      { maxOps: 100, maxBytes: 1 << 20, isolate: () => true, maxInFlight: 1 },
    );
    const first = g.submit([put('a')]);
    const later: Promise<void>[] = [];
    for (const k of ['b', 'c', 'd']) {
      await new Promise((r) => setImmediate(r));
      later.push(g.submit([put(k)]));
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.length, 1, 'nothing else goes while one group is out');
    release();
    await Promise.all([first, ...later]);
    assert.deepEqual(calls, [['put a=a'], ['put b=b', 'put c=c', 'put d=d']]);
  });
});
