/**
 * A token bucket that reserves (golang.org/x/time/rate's Reserve): each call takes a token,
 * going into debt when none is left, and returns how long the caller must wait for it. The
 * work queue's overall limit on retries, as client-go's default controller rate limiter
 * (10 per second, burst 100) on top of the per-key exponential backoff.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`token bucket: qps must be positive and burst at least 1, got ${qps} and ${burst}`);
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes one token; the milliseconds until it is really available (0 when at once). */
  reserve(): number {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#at) / 1000) * this.qps);
    this.#at = t;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.qps) * 1000);
  }
}
