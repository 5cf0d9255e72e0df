/**
 * One rate-limit quota's state: a token bucket per client address, as Vault keeps one per
 * client IP. `rate` requests per `interval` with bursts up to `rate`; with a block
 * interval, a client that goes over is refused for that long. Pure: time comes in as an
 * argument, so tests drive it without waiting.
 */

export interface LimitAnswer {
  allowed: boolean;
  /** Requests left in the bucket now. */
  remaining: number;
  /** Whole seconds until a request would be allowed again (≥ 1 when refused). */
  retryAfter: number;
  /** Whole seconds until the bucket is full again. */
  reset: number;
}

interface Bucket {
  tokens: number;
  last: number;
  blockedUntil: number;
}

/** Clients not seen for this long are forgotten (Vault: 3 minutes). */
export const STALE_MS = 3 * 60_000;
/** How often (in checks) stale clients are swept; a sweep walks every client. */
const SWEEP_EVERY = 4096;

export class RateLimiter {
  private readonly clients = new Map<string, Bucket>();
  private checks = 0;
  private readonly perMs: number;

  constructor(
    readonly rate: number,
    readonly intervalMs: number,
    readonly blockMs: number,
  ) {
    this.perMs = rate / intervalMs;
  }

  allow(client: string, now: number): LimitAnswer {
    if (++this.checks % SWEEP_EVERY === 0) this.sweep(now);
    let b = this.clients.get(client);
    if (!b) {
      b = { tokens: this.rate, last: now, blockedUntil: 0 };
      this.clients.set(client, b);
    }
    if (b.blockedUntil > now) return { allowed: false, remaining: 0, retryAfter: Math.max(1, Math.ceil((b.blockedUntil - now) / 1000)), reset: Math.max(1, Math.ceil((b.blockedUntil - now) / 1000)) };
    b.tokens = Math.min(this.rate, b.tokens + (now - b.last) * this.perMs);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens), retryAfter: 0, reset: Math.ceil((this.rate - b.tokens) / this.perMs / 1000) };
    }
    if (this.blockMs > 0) {
      b.blockedUntil = now + this.blockMs;
      const s = Math.max(1, Math.ceil(this.blockMs / 1000));
      return { allowed: false, remaining: 0, retryAfter: s, reset: s };
    }
    const wait = Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
    return { allowed: false, remaining: 0, retryAfter: wait, reset: Math.ceil((this.rate - b.tokens) / this.perMs / 1000) };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  sweep(now: number): void {
    for (const [k, b] of this.clients) if (now - b.last > STALE_MS && b.blockedUntil <= now) this.clients.delete(k);
  }
}
