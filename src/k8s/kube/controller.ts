/**
 * The reconcile loop, with controller-runtime's contract: `reconcile(key)` converges the
 * object named by `key` to its desired state, reading current state (from an informer's
 * cache), never from the event that triggered it. It returns `{ requeueAfter }` to be run
 * again later (a refresh), nothing when done, throws to be retried with per-key exponential
 * backoff, or throws a `TerminalError` when retrying cannot help (bad spec): that is reported
 * through `onTerminal` and not requeued until the object changes again.
 */
import type { BackoffPolicy } from './backoff.js';
import { objectKey, type ObjectMetaLike } from './keys.js';
import { WorkQueue } from './queue.js';

export interface ReconcileResult {
  /** Run this key again after this many milliseconds (0 or absent: do not). */
  requeueAfter?: number;
}

export type Reconcile = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

/** An error that retrying cannot fix: reported once and not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface EventHandlers<T extends ObjectMetaLike = ObjectMetaLike> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

/** Anything that delivers object events: an Informer, or a test double. */
export interface EventSource<T extends ObjectMetaLike = ObjectMetaLike> {
  addHandlers(h: EventHandlers<T>): void;
}

export interface ControllerOptions {
  /** For logs and error messages. */
  name: string;
  reconcile: Reconcile;
  /** Concurrent reconciles of different keys (default 1). */
  workers?: number;
  backoff?: BackoffPolicy;
  /** A retryable failure (will be retried with backoff). */
  onError?: (key: string, err: unknown) => void;
  /** A TerminalError (not retried). */
  onTerminal?: (key: string, err: TerminalError) => void;
}

export class Controller {
  readonly queue: WorkQueue;
  readonly #o: ControllerOptions;
  readonly #abort = new AbortController();
  #workers: Promise<void>[] = [];

  constructor(o: ControllerOptions) {
    const workers = o.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`controller ${o.name}: workers must be a positive integer, got ${workers}`);
    this.#o = o;
    this.queue = new WorkQueue(o.backoff ? { backoff: o.backoff } : {});
  }

  /** Enqueues the key of every object the source reports (or the keys `map` derives from it, e.g. its owner). */
  watch<T extends ObjectMetaLike>(source: EventSource<T>, map: (obj: T) => string[] = (obj) => [objectKey(obj)]): void {
    const push = (obj: T): void => {
      for (const k of map(obj)) this.queue.add(k);
    };
    source.addHandlers({ add: push, update: (_old, obj) => push(obj), delete: push });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    if (this.#workers.length > 0) return;
    for (let i = 0; i < (this.#o.workers ?? 1); i++) this.#workers.push(this.#work());
  }

  /** Stops handing out keys, aborts the signal given to reconcile, and waits for reconciles in progress. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.queue.shutDownWithDrain();
    await Promise.all(this.#workers);
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.#runOne(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #runOne(key: string): Promise<void> {
    let result: ReconcileResult | void;
    try {
      result = await this.#o.reconcile(key, this.#abort.signal);
    } catch (err) {
      if (err instanceof TerminalError) {
        this.queue.forget(key);
        this.#report(() => this.#o.onTerminal?.(key, err));
      } else {
        this.#report(() => this.#o.onError?.(key, err));
        this.queue.addRateLimited(key);
      }
      return;
    }
    this.queue.forget(key);
    const after = result?.requeueAfter;
    if (after !== undefined && after > 0) this.queue.addAfter(key, after);
  }

  /** A throwing callback must not kill the worker. */
  #report(fn: () => void): void {
    try {
      fn();
    } catch {
      // the callback's own failure has nowhere better to go
    }
  }
}
