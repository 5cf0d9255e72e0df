/**
 * Client commands end on SIGTERM, SIGINT and SIGHUP with the exit code a shell reports for
 * a process killed by that signal (128 + its number). Node's default action does the same
 * for an ordinary process, but the kernel ignores a signal with no handler in PID 1, so a
 * command that is a container's entrypoint (`ward broker` in a job) would otherwise wait
 * for SIGKILL while it waits on a server, an orchestrator or a prompt.
 */

/** 128 + the signal number, per signal handled. */
export const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Installs the handlers. Not for `ward server` and `ward agent`, which stop gracefully
 * with their own. A client command has nothing to flush: the request in flight is
 * abandoned, as it is when the process is killed.
 */
export function exitOnSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) process.on(signal, () => exit(code));
}

/**
 * `ward … | head`: once the reader of stdout has gone, a write fails with EPIPE (node ignores
 * SIGPIPE), which would surface as an unhandled 'error' event and a stack trace. The Go CLI
 * is killed by SIGPIPE there; end the same way, quietly, with the status a shell shows for
 * it. Other stdout errors stay fatal as before.
 */
export function exitOnClosedStdout(exit: (code: number) => void = (code) => process.exit(code)): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return exit(SIGPIPE_EXIT_CODE);
    throw e;
  });
}

/** 128 + SIGPIPE (13). */
export const SIGPIPE_EXIT_CODE = 141;
