/**
 * A deduplicating, rate-limited work queue with the semantics of client-go's workqueue (as
 * controller-runtime uses it). Informer events only push keys here; reconcile reads the
 * object from the cache, so a burst of events for one object costs one reconcile.
 *
 * - A key is queued at most once (`dirty`), in first-added order.
 * - A key being processed is never handed out again until `done`; if it was added meanwhile
 *   it is queued again at `done`, so the latest state is always reconciled once more.
 * - `addAfter` queues later (the earliest pending deadline per key wins);
 *   `addRateLimited` queues after the key's exponential backoff with jitter, and no sooner
 *   than an overall token bucket allows (10/s after a burst of 100, as client-go), so
 *   thousands of keys failing together (Ward down) do not retry together; `forget` resets it.
 * - `shutDown` wakes every waiting worker with `undefined` and drops keys not yet handed out:
 *   the work is level-based, so whoever runs next relists and re-queues everything.
 *   `shutDownWithDrain` also waits for keys in flight to be `done`.
 */
import { DEFAULT_BACKOFF, KeyBackoff, type BackoffPolicy } from './backoff.js';
import { TokenBucket } from './token-bucket.js';

/** client-go's DefaultControllerRateLimiter bucket: retries of all keys together, 10 per second after a burst of 100. */
export const DEFAULT_OVERALL = { qps: 10, burst: 100 };

export interface WorkQueueOptions {
  backoff?: BackoffPolicy;
  /** Jitter source (tests pin it). */
  random?: () => number;
  /** Observes the delay chosen by `addRateLimited` (metrics, tests). */
  onDelay?: (key: string, ms: number) => void;
  /** Overall limit on rate-limited requeues (default DEFAULT_OVERALL); each waits for the later of its key's backoff and a token. */
  overall?: { qps: number; burst: number };
  /** Clock of the overall bucket (tests). */
  now?: () => number;
}

/**
 * FIFO of keys with O(1) take: Array#shift copies the array once it is large (100k queued keys
 * took 13 s to drain), so take from a head index and compact when half the array is spent.
 */
class Fifo {
  #items: string[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(k: string): void {
    this.#items.push(k);
  }

  shift(): string | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const k = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return k;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

export class WorkQueue {
  readonly #queue = new Fifo();
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #waiting: ((key: string | undefined) => void)[] = [];
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #backoff: KeyBackoff;
  readonly #bucket: TokenBucket;
  readonly #onDelay: ((key: string, ms: number) => void) | undefined;
  #shuttingDown = false;
  #drained: (() => void) | undefined;

  constructor(o: WorkQueueOptions = {}) {
    this.#backoff = new KeyBackoff(o.backoff ?? DEFAULT_BACKOFF, o.random);
    this.#onDelay = o.onDelay;
    const overall = o.overall ?? DEFAULT_OVERALL;
    this.#bucket = new TokenBucket(overall.qps, overall.burst, o.now);
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // queued again by done()
    this.#push(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (!(ms > 0)) return this.add(key);
    const at = Date.now() + ms;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, { at, timer });
  }

  addRateLimited(key: string): void {
    // As client-go's MaxOfRateLimiter: the later of the key's backoff and the overall bucket's turn.
    const ms = Math.max(this.#backoff.next(key), this.#bucket.reserve());
    this.#onDelay?.(key, ms);
    this.addAfter(key, ms);
  }

  /** Clears the key's failure count: its next rate-limited requeue starts from the base delay. */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  numRequeues(key: string): number {
    return this.#backoff.failures(key);
  }

  /** Keys queued and not yet handed out. */
  len(): number {
    return this.#queue.length;
  }

  /** The next key to process (now marked in flight), or `undefined` once shut down. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#take(key));
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  done(key: string): void {
    if (!this.#processing.delete(key)) return;
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#shuttingDown && this.#processing.size === 0) this.#drained?.();
  }

  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.clear();
    this.#dirty.clear();
    for (const wake of this.#waiting.splice(0)) wake(undefined);
  }

  /** Shuts down and resolves once every key in flight is `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.#drained;
      this.#drained = () => {
        prev?.();
        resolve();
      };
    });
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  #push(key: string): void {
    const wake = this.#waiting.shift();
    if (wake) wake(this.#take(key));
    else this.#queue.push(key);
  }

  #take(key: string): string {
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }
}
