/**
 * Exponential backoff with jitter, per key: the delay before retrying something that has
 * failed `n` times in a row. Shared by the work queue's rate-limited requeue, the informer's
 * relist and the leader elector's retries so every loop in k8s/ backs off the same way.
 */

export interface BackoffPolicy {
  /** Delay step after the first failure (the delay is drawn from [step/2, step]). */
  baseMs: number;
  /** Ceiling of the step. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5, maxMs: 1000_000 };

/**
 * The step doubles with each failure up to `maxMs`; the delay is drawn uniformly from the
 * upper half of the step ("equal jitter"), so retries of many keys that failed together
 * spread out, yet a key never retries sooner than half its step.
 */
export function backoffDelay(failures: number, p: BackoffPolicy, random: () => number = Math.random): number {
  // 2^n overflows to Infinity for large n, which Math.min handles; the exponent is clamped only to keep it finite.
  const step = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(Math.max(0, failures), 1024));
  return Math.round(step * (0.5 + random() / 2));
}

export function checkPolicy(p: BackoffPolicy): void {
  if (!(p.baseMs > 0) || !Number.isFinite(p.baseMs)) throw new Error(`backoff baseMs must be a positive number of milliseconds, got ${p.baseMs}`);
  if (!(p.maxMs >= p.baseMs) || !Number.isFinite(p.maxMs)) throw new Error(`backoff maxMs must be at least baseMs (${p.baseMs}), got ${p.maxMs}`);
}

/** Failure counts per key; `next` returns the delay for the key and counts one more failure. */
export class KeyBackoff {
  readonly #counts = new Map<string, number>();

  constructor(
    readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {
    checkPolicy(policy);
  }

  next(key: string): number {
    const n = this.#counts.get(key) ?? 0;
    this.#counts.set(key, n + 1);
    return backoffDelay(n, this.policy, this.random);
  }

  failures(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#counts.delete(key);
  }
}
