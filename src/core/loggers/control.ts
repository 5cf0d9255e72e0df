/**
 * What sys/loggers and sys/monitor need from the server's logger: the named loggers'
 * levels, changing them at run time, and a tap that sees every line as it is written.
 * `ward server`'s logger (server/logger.ts) provides it; a core without one (tests,
 * embedded use) answers those endpoints with Vault's errors for a missing logger.
 */
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export const LEVEL_NAMES: readonly LogLevelName[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** One log line as written: `@timestamp`, `@level`, `@message`, `@module` and redacted fields. */
export type LogLine = Readonly<Record<string, unknown>>;

export interface LoggerControl {
  /** The named loggers and their levels; the unnamed base logger is not listed, as in Vault. */
  levels(): Record<string, LogLevelName>;
  /** Every logger to `level` (Vault's POST sys/loggers). */
  setAll(level: LogLevelName): void;
  /** One named logger to `level`; false when there is no logger of that name. */
  setOne(name: string, level: LogLevelName): boolean;
  /** Back to the configured level: every logger, or one (false when unknown). */
  revertAll(): void;
  revertOne(name: string): boolean;
  /**
   * Calls `fn` with every line at `level` or above, whatever the loggers' own levels (a
   * monitor at debug sees debug lines while the server writes only info). Returns the
   * function that stops it.
   */
  tap(level: LogLevelName, fn: (line: LogLine) => void, onEnd?: () => void): () => void;
  /** Taps open now (one per connected monitor). */
  taps(): number;
  /** Ends every tap (calling its `onEnd`): the server is stopping, monitors should not hold it up. */
  endTaps(): void;
}

/**
 * Vault's ParseLogLevel: case and spaces ignored, `notice` is info, `warning` and `err`
 * are accepted. `undefined` for anything else.
 */
export function parseLevelName(v: string): LogLevelName | undefined {
  const l = v.trim().toLowerCase();
  switch (l) {
    case 'notice':
      return 'info';
    case 'warning':
      return 'warn';
    case 'err':
      return 'error';
    default:
      return (LEVEL_NAMES as readonly string[]).includes(l) ? (l as LogLevelName) : undefined;
  }
}
