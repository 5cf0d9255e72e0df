import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eachSliced, LoopSlice } from './loop-slice.js';

function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Counts event-loop turns with a setImmediate probe; `stop()` ends it. */
function probe(): { turn(): number; stop(): void } {
  let turns = 0;
  let on = true;
  const tick = (): void => {
    turns++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  return { turn: () => turns, stop: () => (on = false) };
}

describe('eachSliced', () => {
  it('runs every item once, at most `concurrency` at a time', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await eachSliced(
      Array.from({ length: 200 }, (_, i) => i),
      8,
      async (i) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setImmediate(r));
        seen.push(i);
        active--;
      },
    );
    assert.equal(peak, 8);
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
  });

  it('lets the loop turn once the budget is spent, with every worker sharing one budget', async () => {
    // 400 items of 1 ms, 16 workers, a 10 ms budget: about 10 items a turn plus the ones
    // in flight when it runs out. Were each resumed worker to restart the budget, one
    // turn would hold 16 budgets (160 items).
    const p = probe();
    const turnOf: number[] = [];
    await eachSliced(
      Array.from({ length: 400 }, (_, i) => i),
      16,
      async () => {
        turnOf.push(p.turn());
        blockFor(1);
      },
      new LoopSlice(10),
    );
    p.stop();
    const perTurn = new Map<number, number>();
    for (const t of turnOf) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    const most = Math.max(...perTurn.values());
    assert.ok(most <= 40, `${most} one-millisecond items ran in one turn`);
    assert.ok(perTurn.size >= 10, `only ${perTurn.size} turns for 400 ms of work`);
  });

  it('does not yield while the budget lasts', async () => {
    const slice = new LoopSlice(60_000);
    const p = probe();
    const before = p.turn();
    for (let i = 0; i < 1000; i++) await slice.pause();
    assert.equal(p.turn(), before);
    p.stop();
  });
});
