/**
 * Keeps one remote value equal to the latest local one: pushes a new value at once (after
 * the current tick, so a burst of changes is one push), one push at a time, and retries failures with exponential backoff. Only the latest value is
 * kept, so a value that changed while a push was in flight or failing is never sent stale
 * after a newer one (no queue of old states). `set` never blocks its caller.
 */

/** The timer functions, injectable so tests drive time themselves. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Real timers, unref'd: a pending retry must not keep a stopping process alive. */
export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface LatestWinsOptions<T> {
  push(value: T): Promise<void>;
  /** Whether two values are the same state (default: same JSON). */
  equal?(a: T, b: T): boolean;
  timers?: Timers;
  /** First retry delay (default 500 ms); doubles per consecutive failure up to `maxDelayMs` (default 30 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Jitter source: each delay is 75–100% of its step, so many pods do not retry in step. */
  random?: () => number;
  onError?(error: unknown, attempt: number, delayMs: number): void;
  onSuccess?(value: T, attempts: number): void;
}

export class LatestWins<T> {
  private desired: { value: T } | null = null;
  private applied: { value: T } | null = null;
  private inFlight: Promise<void> | null = null;
  private timer: unknown = null;
  /** Consecutive failures; decides the next delay, reset by a success. */
  private failures = 0;
  private stopped = false;
  private readonly timers: Timers;
  private readonly equal: (a: T, b: T) => boolean;

  constructor(private readonly o: LatestWinsOptions<T>) {
    this.timers = o.timers ?? realTimers;
    this.equal = o.equal ?? ((a, b) => JSON.stringify(a) === JSON.stringify(b));
  }

  /** Makes `value` the state to reach; returns at once. */
  set(value: T): void {
    if (this.stopped) return;
    this.desired = { value };
    // A change made during a backoff is pushed now: the wait was for the old value.
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    // Deferred a microtask so changes made in one burst (one tick) become one push.
    queueMicrotask(() => this.kick());
  }

  /** True while the latest value has not been pushed successfully. */
  get pending(): boolean {
    return this.desired !== null && (this.applied === null || !this.equal(this.desired.value, this.applied.value));
  }

  /** Stops retrying; resolves once a push in flight has settled. Later `set`s are ignored. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private kick(): void {
    if (this.stopped || this.inFlight || this.timer !== null || !this.pending || !this.desired) return;
    const target = this.desired.value;
    this.inFlight = this.attempt(target).finally(() => {
      this.inFlight = null;
      this.kick(); // a newer value may have arrived meanwhile
    });
  }

  private async attempt(target: T): Promise<void> {
    try {
      await this.o.push(target);
    } catch (e) {
      this.failures++;
      const step = Math.min(this.o.maxDelayMs ?? 30_000, (this.o.minDelayMs ?? 500) * 2 ** (this.failures - 1));
      const delay = Math.round(step * (0.75 + (this.o.random ?? Math.random)() * 0.25));
      // After stop() a failure is expected (the push was abandoned): neither reported nor retried.
      if (!this.stopped) {
        this.o.onError?.(e, this.failures, delay);
        this.timer = this.timers.set(() => {
          this.timer = null;
          this.kick();
        }, delay);
      }
      return;
    }
    const attempts = this.failures + 1;
    this.failures = 0;
    this.applied = { value: target };
    this.o.onSuccess?.(target, attempts);
  }
}
