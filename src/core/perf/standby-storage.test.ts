import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ForwardToActive, StandbyStorage, type BarrierReads } from './standby-storage.js';

/** A barrier whose reads answer from `values` in turn, calling `during` while each read is in flight. */
function fakeBarrier(values: string[], during: (call: number) => void): BarrierReads & { calls: number } {
  const b = {
    calls: 0,
    async get(): Promise<Buffer | null> {
      const n = b.calls++;
      during(n);
      return Buffer.from(values[Math.min(n, values.length - 1)]!);
    },
    async list(): Promise<string[]> {
      const n = b.calls++;
      during(n);
      return [values[Math.min(n, values.length - 1)]!];
    },
    async getDecoded<T>(_key: string, decode: (raw: Buffer) => T): Promise<T | null> {
      return decode((await b.get())!);
    },
  };
  return b;
}

test('a standby\'s storage refuses every write, so the request is forwarded instead', async () => {
  const s = new StandbyStorage(fakeBarrier(['v'], () => undefined));
  await assert.rejects(s.put('k'), ForwardToActive);
  await assert.rejects(s.delete('k'), ForwardToActive);
  await assert.rejects(s.putDecoded('k'), ForwardToActive);
  await assert.rejects(s.view('logical/x/').put('k', Buffer.from('x')), ForwardToActive);
});

test('a read that an invalidation overtook is read again: what it returns is never older than the invalidation', async () => {
  let s!: StandbyStorage;
  const b = fakeBarrier(['old', 'new'], (n) => {
    if (n === 0) s.changed();
  });
  s = new StandbyStorage(b);
  assert.equal((await s.get('k'))?.toString(), 'new');
  assert.equal(b.calls, 2);
  const quiet = fakeBarrier(['only'], () => undefined);
  s = new StandbyStorage(quiet);
  assert.equal((await s.get('k'))?.toString(), 'only');
  assert.equal(quiet.calls, 1);
  s = new StandbyStorage(fakeBarrier(['a', 'b'], (n) => n === 0 && s.changed()));
  assert.deepEqual(await s.list('p/'), ['b']);
  s = new StandbyStorage(fakeBarrier(['a', 'b'], (n) => n === 0 && s.changed()));
  assert.equal(await s.view('p/').getDecoded!('k', (raw) => raw.toString()), 'b');
});

test('reads that keep racing invalidations give up and forward', async () => {
  let s!: StandbyStorage;
  s = new StandbyStorage(fakeBarrier(['x'], () => s.changed()));
  await assert.rejects(s.get('k'), ForwardToActive);
});
