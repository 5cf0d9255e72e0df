/**
 * The auto-unseal loop: at start, a node with an auto seal unseals itself. While the seal
 * cannot open the root key (transit server down, wrong key) it logs the cause and retries
 * with a capped backoff; it never exits the process, so a pod becomes ready when its seal
 * provider does. It stops once unsealed, when unsealing is an operator's job (Shamir,
 * migration), or on stop().
 */
import type { Logger } from '../../sdk/logical.js';
import { SealError } from './auto-seal.js';
import type { AutoUnsealOutcome } from './seal-status.js';

export interface AutoUnsealTiming {
  /** First pause after a failure; doubled up to `maxMs`. */
  initialMs: number;
  maxMs: number;
  /** Pause while the node waits for `sys/init` (a standby of a cluster another node initialises). */
  uninitializedMs: number;
}

export const DEFAULT_TIMING: AutoUnsealTiming = { initialMs: 500, maxMs: 10_000, uninitializedMs: 2_000 };

export class AutoUnsealLoop {
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly attempt: () => Promise<AutoUnsealOutcome>,
    private readonly timing: AutoUnsealTiming = DEFAULT_TIMING,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Ends the loop; resolves once an attempt in flight has settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let delay = this.timing.initialMs;
    let failures = 0;
    while (!this.stopped) {
      let pauseMs: number;
      try {
        const outcome = await this.attempt();
        if (outcome === 'unsealed') {
          if (failures > 0) this.logger.info('auto-unseal: unsealed after retrying', { attempts: failures + 1 });
          return;
        }
        if (outcome === 'manual') return;
        if (outcome === 'migration') {
          this.logger.warn('auto-unseal: seal migration pending: unseal with the current unseal or recovery keys and migrate=true (ward operator unseal -migrate)');
          return;
        }
        pauseMs = this.timing.uninitializedMs; // not initialised yet: wait quietly for sys/init
      } catch (e) {
        failures++;
        const message = e instanceof Error ? e.message : String(e);
        // Storage may fail here too (an engine not up yet): only blame the seal when it is the seal.
        const why = e instanceof SealError ? (e.retryable ? ' (the seal is unreachable)' : ' (the seal refused)') : '';
        this.logger.error(`auto-unseal: failed to unseal${why}; retrying`, { error: message, attempt: failures, retry_in_ms: delay });
        pauseMs = delay;
        delay = Math.min(delay * 2, this.timing.maxMs);
      }
      await this.pause(pauseMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }
}
