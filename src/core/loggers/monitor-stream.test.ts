import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoggerControl, LogLine } from './control.js';
import { MONITOR_BUFFER, MonitorStream } from './monitor-stream.js';

function fakeControl() {
  const taps = new Set<(l: LogLine) => void>();
  const ends = new Map<(l: LogLine) => void, (() => void) | undefined>();
  const control: LoggerControl = {
    levels: () => ({}),
    setAll() {},
    setOne: () => false,
    revertAll() {},
    revertOne: () => false,
    tap: (_level, fn, onEnd) => {
      taps.add(fn);
      ends.set(fn, onEnd);
      return () => taps.delete(fn);
    },
    taps: () => taps.size,
    endTaps: () => {
      for (const fn of [...taps]) {
        taps.delete(fn);
        ends.get(fn)?.();
      }
    },
  };
  const log = (msg: string): void => {
    for (const t of taps) t({ '@timestamp': 'T', '@level': 'info', '@message': msg });
  };
  return { control, log };
}

describe('MonitorStream', () => {
  it('starts with an empty chunk (headers go out at once), then yields lines as they come', async () => {
    const { control, log } = fakeControl();
    const m = new MonitorStream(control, 'info', 'standard');
    assert.equal((await m.next()).value?.length, 0);
    const pending = m.next();
    log('one');
    assert.equal((await pending).value?.toString(), 'T [INFO]  one\n');
  });

  it('stops tapping at once when the consumer returns, even while waiting for a line', async () => {
    const { control } = fakeControl();
    const m = new MonitorStream(control, 'info', 'json');
    await m.next();
    const pending = m.next();
    assert.equal(control.taps(), 1);
    await m.return();
    assert.equal(control.taps(), 0);
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal((await m.next()).done, true);
  });

  it('ends after the queued lines when the server stops', async () => {
    const { control, log } = fakeControl();
    const m = new MonitorStream(control, 'info', 'standard');
    await m.next();
    log('last words');
    const pendingAfter = (async () => [await m.next(), await m.next()] as const)();
    control.endTaps();
    const [a, b] = await pendingAfter;
    assert.equal(a.value?.toString(), 'T [INFO]  last words\n');
    assert.equal(b.done, true);
    assert.equal(control.taps(), 0);
  });

  it('holds a bounded number of lines for a slow reader and says how many it dropped', async () => {
    const { control, log } = fakeControl();
    const m = new MonitorStream(control, 'info', 'standard');
    for (let i = 0; i < MONITOR_BUFFER + 10; i++) log(`l${i}`);
    const got: string[] = [];
    for (let i = 0; i < MONITOR_BUFFER; i++) got.push((await m.next()).value!.toString());
    assert.equal(got[0], '');
    assert.equal(got.at(-1), `T [INFO]  l${MONITOR_BUFFER - 2}\n`);
    log('after');
    assert.match((await m.next()).value!.toString(), /\[WARN\]  monitor dropped 11 logs during monitor request/);
    assert.equal((await m.next()).value!.toString(), 'T [INFO]  after\n');
    await m.return();
  });
});
