/**
 * Signal handling that also works as PID 1 in a container (where the kernel applies no
 * default action to SIGTERM/SIGINT unless a handler exists): SIGTERM/SIGINT shut down
 * gracefully once, a second one forces exit; SIGHUP reloads (e.g. reopens audit files).
 * A graceful shutdown that does not finish within its grace period (something it waits
 * on never answers: a database query, a hung peer) ends the process anyway, exit 1.
 */
import type { Logger } from '../sdk/logical.js';

export interface SignalOptions {
  onShutdown: () => Promise<void>;
  onReload?: () => Promise<void>;
  logger: Logger;
  /** Test seam; defaults to process.exit. */
  exit?: (code: number) => void;
  /** How long a graceful shutdown may take before the process exits anyway; default {@link SHUTDOWN_GRACE_MS}. */
  graceMs?: number;
}

/** Exit code when a second signal interrupts a shutdown in progress (128 + SIGINT). */
export const FORCED_EXIT_CODE = 130;

/**
 * The server's own shutdown deadline: listeners drain for up to 10 s, storage closes in
 * well under a second, and Kubernetes sends SIGKILL 30 s after SIGTERM by default; 20 s
 * leaves the exit, and its log line, to Ward.
 */
export const SHUTDOWN_GRACE_MS = 20_000;

export function installSignalHandlers(o: SignalOptions): void {
  const exit = o.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;

  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      o.logger.warn('second signal received, forcing exit', { signal });
      exit(FORCED_EXIT_CODE);
      return;
    }
    shuttingDown = true;
    o.logger.info('shutdown signal received, shutting down gracefully', { signal });
    const graceMs = o.graceMs ?? SHUTDOWN_GRACE_MS;
    const deadline = setTimeout(() => {
      o.logger.error(`shutdown did not complete within ${graceMs / 1000}s; exiting`, { signal });
      exit(1);
    }, graceMs);
    o.onShutdown().then(
      () => {
        clearTimeout(deadline);
        o.logger.info('shutdown complete');
        exit(0);
      },
      (e: unknown) => {
        clearTimeout(deadline);
        o.logger.error('shutdown failed', { error: e instanceof Error ? e.message : String(e) });
        exit(1);
      },
    );
  };

  let reloading = false;
  const reload = (): void => {
    if (!o.onReload) {
      o.logger.info('SIGHUP received; nothing to reload');
      return;
    }
    if (reloading || shuttingDown) return;
    reloading = true;
    o.logger.info('SIGHUP received, reloading');
    o.onReload()
      .then(
        () => o.logger.info('reload complete'),
        (e: unknown) => o.logger.error('reload failed', { error: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => {
        reloading = false;
      });
  };

  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGHUP', reload);
}
