/**
 * One timer for the whole manager. The timer is armed for the earliest heap entry; when it
 * fires (or when `tick()` is called by tests with a fake clock) every due entry is handed
 * to `onDue` in bounded batches, yielding to the event loop between batches so a burst of
 * expiries (or a restore full of overdue leases) never starves request handling.
 */
import type { Clock } from '../../lib/clock.js';
import { eachSliced, LoopSlice } from '../../lib/loop-slice.js';
import type { Logger } from '../../sdk/logical.js';
import type { HeapObserver } from './lease-counts.js';
import { LeaseHeap } from './lease-heap.js';

/** Node's setTimeout rejects delays above 2^31-1 ms; longer waits are re-armed. */
const MAX_DELAY = 2_147_483_647;
export const DUE_BATCH = 100;
/** Due handlers running at once within a batch. */
const DUE_CONCURRENCY = 16;

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Scheduler {
  readonly heap: LeaseHeap;
  private timer: NodeJS.Timeout | null = null;
  private armedFor = 0;
  private running: Promise<number> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Handles one due id; it must reschedule or forget it. Errors are logged and the id dropped from the heap. */
    private readonly onDue: (id: string) => Promise<void>,
    observer?: HeapObserver,
  ) {
    this.heap = new LeaseHeap(observer);
  }

  schedule(id: string, time: number): void {
    this.heap.set(id, time);
    this.arm();
  }

  unschedule(id: string): void {
    this.heap.delete(id);
  }

  /** Processes every entry due at `clock.now()`; resolves with how many were handled. */
  tick(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      this.arm();
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async drain(): Promise<number> {
    let handled = 0;
    const slice = new LoopSlice();
    do {
      this.again = false;
      for (;;) {
        if (this.stopped) return handled;
        const now = this.clock.now();
        const batch: string[] = [];
        for (let top = this.heap.peek(); top && top.time <= now && batch.length < DUE_BATCH; top = this.heap.peek()) {
          // Park the entry far away while its handler runs so the loop does not see it again.
          this.heap.set(top.id, Number.MAX_SAFE_INTEGER);
          batch.push(top.id);
        }
        if (batch.length === 0) break;
        // A few at a time on a time slice: a mass expiry (thousands of leases due at
        // once after a restart) must not hold the loop for the whole batch.
        await eachSliced(
          batch,
          DUE_CONCURRENCY,
          async (id) => {
            try {
              await this.onDue(id);
            } catch (e) {
              this.logger.error('expiration: handler failed', { error: String(e) });
            }
            if (this.heap.timeOf(id) === Number.MAX_SAFE_INTEGER) this.heap.delete(id);
          },
          slice,
        );
        handled += batch.length;
        await yieldToLoop();
      }
    } while (this.again);
    return handled;
  }

  private arm(): void {
    if (this.stopped || this.running) return;
    const top = this.heap.peek();
    if (!top) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    if (this.timer && this.armedFor === top.time) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.min(MAX_DELAY, Math.max(0, top.time - this.clock.now()));
    this.armedFor = top.time;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, delay);
    this.timer.unref();
  }
}
