import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Timers } from './latest-wins.js';
import { coreProbe, PollingStateSource, type NodeState } from './node-state.js';

class StepTimers implements Timers {
  readonly armed = new Map<number, () => void>();
  private next = 1;
  set(fn: () => void): number {
    this.armed.set(this.next, fn);
    return this.next++;
  }
  clear(h: unknown): void {
    this.armed.delete(h as number);
  }
  /** Fires every armed timer once. */
  async fire(): Promise<void> {
    const due = [...this.armed];
    this.armed.clear();
    for (const [, fn] of due) fn();
    for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
  }
}

const S = (o: Partial<NodeState> = {}): NodeState => ({ initialized: false, sealed: true, active: false, performanceStandby: false, ...o });

describe('node state', () => {
  it('maps the core: active when unsealed unless the core says otherwise', async () => {
    const core = { sealed: true, init: false, isSealed() { return this.sealed; }, async isInitialized() { return this.init; } };
    assert.deepEqual(await coreProbe(core)(), S());
    core.init = true;
    core.sealed = false;
    assert.deepEqual(await coreProbe(core)(), S({ initialized: true, sealed: false, active: true }));
    const standby = { ...core, isActive: () => false, isPerformanceStandby: () => true };
    assert.deepEqual(await coreProbe(standby)(), S({ initialized: true, sealed: false, active: false, performanceStandby: true }));
  });

  it('polls, reports only changes, and refresh() reads at once', async () => {
    const timers = new StepTimers();
    let now = S();
    const src = await PollingStateSource.start(async () => now, { timers });
    const seen: NodeState[] = [];
    src.onChange((s) => seen.push(s));
    await timers.fire();
    assert.deepEqual(seen, [], 'no change, no report');
    now = S({ initialized: true });
    await timers.fire();
    assert.deepEqual(seen, [S({ initialized: true })]);
    now = S({ initialized: true, sealed: false, active: true });
    await src.refresh();
    assert.deepEqual(src.current(), now);
    assert.equal(seen.length, 2);
    src.stop();
    assert.equal(timers.armed.size, 0);
  });

  it('starts sealed when the first reading fails (storage not reachable yet), and recovers', async () => {
    const timers = new StepTimers();
    let fail = true;
    const errors: unknown[] = [];
    const src = await PollingStateSource.start(async () => {
      if (fail) throw new Error('connection refused');
      return S({ initialized: true });
    }, { timers, onError: (e) => errors.push(e) });
    assert.deepEqual(src.current(), S());
    assert.equal(errors.length, 1);
    await timers.fire();
    assert.deepEqual(src.current(), S(), 'a failed reading keeps the last state');
    fail = false;
    await timers.fire();
    assert.deepEqual(src.current(), S({ initialized: true }));
    src.stop();
  });
});
