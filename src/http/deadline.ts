/**
 * `max_request_duration`: a request not answered within it is answered with Vault's
 * error for a cancelled request context (500 "context deadline exceeded") and its
 * connection closed; the work still running for it finds its response already sent.
 *
 * One sweep timer per handler rather than a timer per request: every request gets the
 * same duration, so a Map in insertion order is also in deadline order, and a sweep
 * stops at the first request still in time. The clock is the sweep's: reading the time
 * per request cost more than the rest of this; a deadline may fire one tick late.
 */
import type { ServerResponse } from 'node:http';

export const DEFAULT_MAX_REQUEST_DURATION_MS = 90_000;

export class RequestDeadlines {
  private readonly live = new Map<ServerResponse, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly every: number;
  /** The time at the last tick (or when ticking started); never ahead of the clock. */
  private now = 0;

  constructor(
    private readonly ms: number,
    private readonly expire: (res: ServerResponse) => void,
  ) {
    this.every = Math.max(10, Math.min(1000, Math.floor(ms / 10)));
  }

  /** Starts the clock for `res`; `done(res)` stops it. */
  start(res: ServerResponse): void {
    if (this.timer === null) {
      this.now = Date.now();
      this.timer = setInterval(() => this.sweep(), this.every);
      this.timer.unref();
    }
    // `now` lags the clock by up to one tick: adding a tick means never firing early.
    this.live.set(res, this.now + this.ms + this.every);
  }

  done(res: ServerResponse): void {
    this.live.delete(res);
  }

  private sweep(): void {
    const now = (this.now = Date.now());
    for (const [res, at] of this.live) {
      if (at > now) break;
      this.live.delete(res);
      this.expire(res);
    }
    // Idle: stop ticking until the next request.
    if (this.live.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
