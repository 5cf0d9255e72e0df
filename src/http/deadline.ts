/**
 * `max_request_duration`: a request not answered within it is answered with Vault's
 * error for a cancelled request context (500 "context deadline exceeded") and its
 * connection closed; the work still running for it finds its response already sent.
 *
 * One sweep timer per handler rather than a timer per request: every request gets the
 * same duration, so a Map in insertion order is also in deadline order, and a sweep
 * stops at the first request still in time.
 */
import type { ServerResponse } from 'node:http';

export const DEFAULT_MAX_REQUEST_DURATION_MS = 90_000;

export class RequestDeadlines {
  private readonly live = new Map<ServerResponse, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly every: number;

  constructor(
    private readonly ms: number,
    private readonly expire: (res: ServerResponse) => void,
  ) {
    this.every = Math.max(10, Math.min(1000, Math.floor(ms / 10)));
  }

  /** Starts the clock for `res`; `done(res)` stops it. */
  start(res: ServerResponse): void {
    this.live.set(res, Date.now() + this.ms);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), this.every);
      this.timer.unref();
    }
  }

  done(res: ServerResponse): void {
    this.live.delete(res);
  }

  private sweep(): void {
    const now = Date.now();
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
