/**
 * Cooperative time slicing for long loops on the event loop. Storage calls that answer
 * from memory resolve as microtasks, so `await` alone never lets other requests in: a
 * loop over 100,000 leases would run in one turn. A slice measures the time since the
 * loop last turned and yields (setImmediate) once the budget is spent, so no stretch of
 * such work holds the loop much longer than the budget, whatever each item costs.
 */

/** The default budget: well under the 50 ms a health check may wait. */
export const SLICE_MS = 10;

export class LoopSlice {
  private start = performance.now();
  /** Items eachSliced started since the loop last turned. */
  started = 0;
  /** The turn being waited for, shared: every worker on this slice resumes together. */
  private turning: Promise<void> | null = null;

  constructor(private readonly budgetMs = SLICE_MS) {}

  /** True once the budget since the last turn is spent. */
  get spent(): boolean {
    return performance.now() - this.start >= this.budgetMs;
  }

  /**
   * Lets the event loop turn if the budget is spent (resolves at once otherwise). All
   * callers waiting meanwhile share one turn and one fresh budget; were each to restart
   * the budget, n workers would hold the loop for n budgets in a row.
   */
  pause(): Promise<void> {
    if (this.turning) return this.turning;
    if (!this.spent) return Promise.resolve();
    return this.nextTurn();
  }

  /** Waits for the next turn of the loop (shared by every caller meanwhile), which starts a fresh budget. */
  nextTurn(): Promise<void> {
    if (this.turning) return this.turning;
    this.turning = new Promise<void>((resolve) =>
      setImmediate(() => {
        this.start = performance.now();
        this.started = 0;
        this.turning = null;
        resolve();
      }),
    );
    return this.turning;
  }
}

/**
 * Items eachSliced starts per turn of the loop at most. Concurrency alone cannot bound a
 * turn: an item's synchronous work usually runs after its first await (a storage read
 * that answers from memory), so every worker would start before any of them had spent
 * time, and all of their work would land in one turn. Starting a few per turn lets
 * many items wait on I/O at once (throughput) while CPU-bound ones spread over turns.
 */
export const STARTS_PER_TURN = 16;

/**
 * Runs `fn` for every item, at most `concurrency` at once (backends that call out to a
 * database overlap their round trips), at most STARTS_PER_TURN started per turn, on one
 * shared slice. `fn` must not throw: callers collect their own failures, so one item
 * cannot stop the rest.
 */
export async function eachSliced<T>(items: Iterable<T>, concurrency: number, fn: (item: T) => Promise<void>, slice = new LoopSlice()): Promise<void> {
  const it = items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (;;) {
      await slice.pause();
      if (slice.spent || slice.started >= STARTS_PER_TURN) {
        await slice.nextTurn();
        continue;
      }
      const next = it.next();
      if (next.done) return;
      slice.started++;
      await fn(next.value);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
