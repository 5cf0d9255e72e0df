/** Levels as vault-csi-provider's -log-level accepts them (hclog names). */
const LEVELS = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 } as const;
export type LogLevel = keyof typeof LEVELS;

export function isLogLevel(v: string): v is LogLevel {
  return v in LEVELS;
}

export type Logger = Record<LogLevel, (msg: string, fields?: Record<string, unknown>) => void>;

/** One line per event on `write` (stderr): time, level, message, key=value fields. Never given secrets. */
export function makeLogger(level: LogLevel, write: (line: string) => void): Logger {
  const at = (l: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[l] < LEVELS[level]) return;
    const kv = Object.entries(fields).map(([k, v]) => ` ${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
    write(`${new Date().toISOString()} [${l.toUpperCase()}] ward-csi-provider: ${msg}${kv.join('')}\n`);
  };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
