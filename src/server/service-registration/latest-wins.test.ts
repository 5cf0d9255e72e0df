import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatestWins, type Timers } from './latest-wins.js';

/** Timers that only fire when the test advances them. */
class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): number {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  /** Delays of the timers now armed, from now. */
  armed(): number[] {
    return [...this.pending.values()].map((t) => t.at - this.now);
  }
  async advance(ms: number): Promise<void> {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.now) continue;
      this.pending.delete(id);
      t.fn();
    }
    await flush();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A push whose every call waits for the test to settle it. */
function controlledPush() {
  const calls: { value: string; ok(): void; fail(e?: Error): void }[] = [];
  const push = (value: string): Promise<void> =>
    new Promise<void>((resolve, reject) => calls.push({ value, ok: resolve, fail: (e = new Error('boom')) => reject(e) }));
  return { calls, push };
}

function setup() {
  const timers = new FakeTimers();
  const p = controlledPush();
  const errors: number[] = [];
  const loop = new LatestWins<string>({
    push: p.push,
    timers,
    minDelayMs: 500,
    maxDelayMs: 4000,
    random: () => 1,
    onError: (_e, _attempt, delay) => errors.push(delay),
  });
  return { timers, calls: p.calls, loop, errors };
}

describe('LatestWins (coalescing retry loop)', () => {
  it('pushes a new state at once and arms nothing after a success', async () => {
    const { timers, calls, loop } = setup();
    loop.set('a');
    await flush();
    assert.deepEqual(calls.map((c) => c.value), ['a']);
    calls[0]?.ok();
    await flush();
    assert.deepEqual(timers.armed(), []);
    assert.equal(loop.pending, false);
    loop.set('a'); // already applied: nothing to do
    await flush();
    assert.equal(calls.length, 1);
  });

  it('never queues stale states: changes during a push collapse into one push of the latest', async () => {
    const { calls, loop } = setup();
    loop.set('a');
    await flush();
    loop.set('b');
    loop.set('c');
    await flush();
    assert.equal(calls.length, 1, 'one push at a time');
    calls[0]?.ok();
    await flush();
    assert.deepEqual(calls.map((c) => c.value), ['a', 'c']);
    calls[1]?.ok();
    await flush();
    assert.equal(loop.pending, false);
  });

  it('retries failures with doubling backoff up to the cap, and resets it after a success', async () => {
    const { timers, calls, loop, errors } = setup();
    loop.set('a');
    await flush();
    for (let i = 0; i < 5; i++) {
      calls[i]?.fail();
      await flush();
      const [delay] = timers.armed();
      assert.equal(delay, [500, 1000, 2000, 4000, 4000][i]);
      await timers.advance(delay ?? 0);
      assert.equal(calls.length, i + 2);
      assert.equal(calls[i + 1]?.value, 'a');
    }
    assert.deepEqual(errors, [500, 1000, 2000, 4000, 4000]);
    calls[5]?.ok();
    await flush();
    assert.equal(loop.pending, false);
    loop.set('b');
    await flush();
    calls[6]?.fail();
    await flush();
    assert.deepEqual(timers.armed(), [500]);
  });

  it('pushes a change made during a backoff at once, and only the latest one', async () => {
    const { timers, calls, loop } = setup();
    loop.set('a');
    await flush();
    calls[0]?.fail();
    await flush();
    assert.deepEqual(timers.armed(), [500]);
    loop.set('b');
    loop.set('c');
    await flush();
    assert.deepEqual(calls.map((c) => c.value), ['a', 'c']);
    assert.deepEqual(timers.armed(), [], 'the pending retry was replaced by the push');
    calls[1]?.fail();
    await flush();
    assert.deepEqual(timers.armed(), [1000], 'backoff keeps growing across a change');
    await timers.advance(1000);
    assert.deepEqual(calls.map((c) => c.value), ['a', 'c', 'c']);
  });

  it('stop() waits for the push in flight, cancels the retry and ignores later states', async () => {
    const { timers, calls, loop } = setup();
    loop.set('a');
    await flush();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await flush();
    assert.equal(stopped, false, 'waits for the push in flight');
    calls[0]?.fail();
    await stopping;
    assert.deepEqual(timers.armed(), [], 'no retry after stop');
    loop.set('b');
    await timers.advance(60_000);
    assert.equal(calls.length, 1);
  });

  it('a push that throws synchronously is retried like a rejected one', async () => {
    const timers = new FakeTimers();
    let n = 0;
    const loop = new LatestWins<string>({
      push: () => {
        n++;
        if (n === 1) throw new Error('sync');
        return Promise.resolve();
      },
      timers,
      random: () => 1,
    });
    loop.set('x');
    await flush();
    assert.equal(timers.armed().length, 1);
    await timers.advance(timers.armed()[0] ?? 0);
    assert.equal(n, 2);
    assert.equal(loop.pending, false);
  });
});
