/**
 * Keeps the transit seal's token alive, as Vault's transit seal does: renew-self once at
 * start and, while the token is renewable, again at two thirds of each granted lease.
 * An unreachable server is retried; a refusal (not renewable, no permission) stops the
 * renewal with one log line, because the token may well be managed from outside.
 */
import { ApiError } from '../../api/errors.js';
import type { Transport } from '../../api/transport.js';
import type { Logger } from '../../sdk/logical.js';

export interface RenewerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: RenewerTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // renewal alone never keeps the process alive
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Pause before retrying a renewal the server did not answer. */
export const RENEW_RETRY_MS = 5_000;

export class TokenRenewer {
  private handle: unknown = null;
  private stopped = false;
  /** Renewals that succeeded; for tests and metrics. */
  renewals = 0;

  constructor(
    private readonly client: Transport,
    private readonly logger: Logger,
    private readonly timers: RenewerTimers = realTimers,
  ) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.handle = this.timers.setTimeout(() => void this.renew(), ms);
  }

  private async renew(): Promise<void> {
    this.handle = null;
    try {
      const res = await this.client.request('PUT', 'auth/token/renew-self', { body: {}, wrapTtl: '' });
      const auth = res.body?.auth as { lease_duration?: unknown; renewable?: unknown } | null | undefined;
      this.renewals++;
      const lease = typeof auth?.lease_duration === 'number' ? auth.lease_duration : 0;
      if (auth?.renewable !== true || lease <= 0) {
        this.logger.info('transit seal: token is not renewable or never expires; renewal stopped');
        return;
      }
      this.logger.debug('transit seal: token renewed', { lease_duration: lease });
      this.schedule(Math.max(1000, Math.floor((lease * 1000 * 2) / 3)));
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) {
        this.logger.info('transit seal: unable to renew token, disabling renewal', { error: e.message });
        return;
      }
      this.logger.warn('transit seal: token renewal failed; retrying', { error: (e as Error).message, retry_in_ms: RENEW_RETRY_MS });
      this.schedule(RENEW_RETRY_MS);
    }
  }
}
