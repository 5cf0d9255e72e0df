/** The agent's log: one line per event on stderr, Vault's `time [LEVEL] component: message` shape. */

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

/** Leveled logger scoped to a component (`agent.auth.handler`, `agent.template`). */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  named(component: string): Logger;
}

/** True for a valid level name. */
export function isLevel(s: string): s is Level {
  return s in ORDER;
}

/** A logger writing to `out` (stderr) at `level` and above. */
export function createLogger(out: { write(s: string): unknown }, level: Level = 'info', component = 'agent'): Logger {
  const line = (l: Level, msg: string): void => {
    if (ORDER[l] < ORDER[level]) return;
    out.write(`${new Date().toISOString()} [${l.toUpperCase()}]${' '.repeat(6 - l.length)}${component}: ${msg}\n`);
  };
  return {
    debug: (m) => line('debug', m),
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
    named: (c) => createLogger(out, level, `${component}.${c}`),
  };
}
