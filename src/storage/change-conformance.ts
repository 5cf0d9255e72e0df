/**
 * The behaviour every store's change feed (physical.ts `ChangeFeed`) must show: two stores
 * on one engine, as an active node and a standby; one writes, the other subscribes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChangeEvent, ChangeFeed, ChangeHandler, PhysicalBackend } from './physical.js';

export interface ChangePair {
  a: PhysicalBackend;
  b: PhysicalBackend;
  /** Breaks b's subscriptions as a lost connection or compacted history would. */
  breakStreams?(): Promise<void>;
  close(): Promise<void>;
}

/** Polls until `check` holds; the deadline only bounds a hang. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function feedOf(s: PhysicalBackend): ChangeFeed {
  assert.ok(s.changes, `${s.name} has a change feed`);
  return s.changes;
}

/** A handler that records the events it gets and the reasons the stream was lost. */
class Recorder implements ChangeHandler {
  readonly events: ChangeEvent[] = [];
  readonly losses: string[] = [];
  event(e: ChangeEvent): void {
    this.events.push(e);
  }
  lost(reason: string): void {
    this.losses.push(reason);
  }
  keys(): string[] {
    return this.events.flatMap((e) => e.keys);
  }
}
const recorder = (): Recorder => new Recorder();

export function exerciseChanges(name: string, make: () => Promise<ChangePair>): void {
  const withPair = (fn: (p: ChangePair) => Promise<void>) => async () => {
    const p = await make();
    try {
      await fn(p);
    } finally {
      await p.close();
    }
  };

  describe(`change feed: ${name}`, () => {
    test('every committed write reaches the other store in order, with the writer\'s index', withPair(async ({ a, b }) => {
      const rec = recorder();
      const sub = feedOf(b).subscribe(await feedOf(b).currentIndex(), rec);
      const from = await sub.ready;
      try {
        await a.put('cf/one', Buffer.from('1'));
        const afterPut = feedOf(a).lastWriteIndex();
        assert.ok(afterPut > from, 'a write moves the writer\'s index past the index before it');
        await a.transaction([
          { op: 'put', key: 'cf/two', value: Buffer.from('2') },
          { op: 'put', key: 'cf/three', value: Buffer.from('3') },
        ]);
        await a.delete('cf/one');
        const last = feedOf(a).lastWriteIndex();
        await until('three events', () => rec.events.filter((e) => e.keys.some((k) => k.startsWith('cf/'))).length >= 3);
        const mine = rec.events.filter((e) => e.keys.some((k) => k.startsWith('cf/')));
        assert.deepEqual(mine.map((e) => [...e.keys].sort()), [['cf/one'], ['cf/three', 'cf/two'], ['cf/one']]);
        assert.equal(mine[0]!.index, afterPut);
        assert.equal(mine[2]!.index, last);
        for (let i = 1; i < rec.events.length; i++) assert.ok(rec.events[i]!.index > rec.events[i - 1]!.index, 'indexes grow');
        assert.ok((await feedOf(b).currentIndex()) >= last);
        assert.deepEqual(rec.losses, []);
      } finally {
        await sub.close();
      }
    }));

    test('a subscription from an earlier index replays what came after it, or says it starts later', withPair(async ({ a, b }) => {
      const from = await feedOf(b).currentIndex();
      await a.put('cf/replayed', Buffer.from('x'));
      const rec = recorder();
      const sub = feedOf(b).subscribe(from, rec);
      try {
        const ready = await sub.ready;
        if (!feedOf(b).replays) {
          assert.ok(ready >= feedOf(a).lastWriteIndex(), 'without replay, ready is past the write it cannot deliver');
          return;
        }
        assert.equal(ready, from);
        await until('the replayed event', () => rec.keys().includes('cf/replayed'));
        assert.equal(rec.events.find((e) => e.keys.includes('cf/replayed'))!.index, feedOf(a).lastWriteIndex());
      } finally {
        await sub.close();
      }
    }));

    test('after close nothing more is delivered', withPair(async ({ a, b }) => {
      const rec = recorder();
      const sub = feedOf(b).subscribe(await feedOf(b).currentIndex(), rec);
      await sub.ready;
      await sub.close();
      await sub.close();
      // A later subscription sees a later write, so the first one had every chance to see both.
      const probe = recorder();
      const sub2 = feedOf(b).subscribe(await feedOf(b).currentIndex(), probe);
      await sub2.ready;
      await a.put('cf/after-close', Buffer.from('x'));
      await a.put('cf/after-close-2', Buffer.from('x'));
      await until('the probe event', () => probe.keys().includes('cf/after-close-2'));
      await sub2.close();
      assert.deepEqual(rec.keys(), []);
    }));

    test('a broken stream says so once and delivers nothing after', withPair(async (p) => {
      if (!p.breakStreams) return;
      const rec = recorder();
      const sub = feedOf(p.b).subscribe(await feedOf(p.b).currentIndex(), rec);
      try {
        await sub.ready;
        await p.breakStreams();
        await until('the lost call', () => rec.losses.length > 0);
        await p.a.put('cf/after-loss', Buffer.from('x'));
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(rec.losses.length, 1);
        assert.ok(!rec.keys().includes('cf/after-loss'));
      } finally {
        await sub.close();
      }
    }));
  });
}
