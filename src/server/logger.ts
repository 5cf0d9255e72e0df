/**
 * A small JSON-lines logger (hclog-like keys: @timestamp, @level, @message, @module).
 * Values of fields whose names look secret (token, secret, password, key, …) are
 * replaced by "[redacted]" at any depth, so a careless call site cannot leak them.
 */
import type { Logger } from '../sdk/logical.js';
import type { LoggerControl, LogLine } from '../core/loggers/control.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export interface ServerLogger extends Logger {
  trace(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `@module` and fixed fields to every line. */
  child(module: string, fields?: Record<string, unknown>): ServerLogger;
  setLevel(level: LogLevel): void;
  readonly level: LogLevel;
  /** Run-time control of every logger made from this one (sys/loggers, sys/monitor). */
  control(): LoggerControl;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Defaults to process.stderr. */
  sink?: { write(line: string): unknown };
  now?: () => Date;
}

const SENSITIVE = /token|secret|passw|key|credential|jwt|private|cookie|authorization|unseal|nonce|hmac/i;
const REDACTED = '[redacted]';
const MAX_DEPTH = 6;
/**
 * Longest string value written as is. Error texts can quote client input (a megabyte glob
 * in a RegExp error did); one request must not be able to write megabytes of log.
 */
const MAX_STRING = 2048;

function shortened(s: string): string {
  return s.length <= MAX_STRING ? s : `${s.slice(0, MAX_STRING)}… [${s.length} characters]`;
}

/** True when a field of this name must never be printed. */
export function isSensitiveField(name: string): boolean {
  return SENSITIVE.test(name);
}

function clean(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return shortened(value);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (value instanceof Error) return { error: shortened(value.message), name: value.name };
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSensitiveField(k) ? REDACTED : clean(v, depth + 1, seen);
  return out;
}

/** Copies `fields` with sensitive values redacted (exported for audit/debug helpers and tests). */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return clean(fields, 0, new WeakSet()) as Record<string, unknown>;
}

export function parseLogLevel(v: string): LogLevel | undefined {
  const l = v.trim().toLowerCase();
  if (l === 'warning') return 'warn';
  if (l === 'err') return 'error';
  return (LOG_LEVELS as readonly string[]).includes(l) ? (l as LogLevel) : undefined;
}

/** A named logger's own level; null follows the base level. */
interface Named {
  level: LogLevel | null;
}

interface Tap {
  min: number;
  fn: (line: LogLine) => void;
  onEnd: (() => void) | undefined;
}

/** Shared by a logger and all its children. */
interface State {
  level: LogLevel;
  /** The level the server was started with: what a revert goes back to. */
  readonly configured: LogLevel;
  readonly named: Map<string, Named>;
  readonly taps: Set<Tap>;
  /** The lowest level any tap wants (LOG_LEVELS.length: no tap), so emit can bail out early. */
  tapMin: number;
}

/** Accepts options or just a level name (an unknown name falls back to info). */
export function createLogger(optsOrLevel: LoggerOptions | LogLevel | string = {}): ServerLogger {
  const opts: LoggerOptions = typeof optsOrLevel === 'string' ? { level: parseLogLevel(optsOrLevel) ?? 'info' } : optsOrLevel;
  const level = opts.level ?? 'info';
  const state: State = { level, configured: level, named: new Map(), taps: new Set(), tapMin: LOG_LEVELS.length };
  const sink = opts.sink ?? process.stderr;
  const now = opts.now ?? (() => new Date());
  return make(state, sink, now, undefined, {});
}

function controlOf(state: State): LoggerControl {
  const retap = (): void => {
    state.tapMin = LOG_LEVELS.length;
    for (const t of state.taps) state.tapMin = Math.min(state.tapMin, t.min);
  };
  const setAll = (l: LogLevel): void => {
    state.level = l;
    for (const n of state.named.values()) n.level = null;
  };
  const setOne = (name: string, l: LogLevel): boolean => {
    const n = state.named.get(name);
    if (n === undefined) return false;
    n.level = l;
    return true;
  };
  return {
    levels: () => {
      const out: Record<string, LogLevel> = {};
      for (const [name, n] of [...state.named].sort(([a], [b]) => (a < b ? -1 : 1))) out[name] = n.level ?? state.level;
      return out;
    },
    setAll,
    setOne,
    revertAll: () => setAll(state.configured),
    revertOne: (name) => setOne(name, state.configured),
    taps: () => state.taps.size,
    endTaps: () => {
      for (const t of [...state.taps]) {
        state.taps.delete(t);
        t.onEnd?.();
      }
      retap();
    },
    tap: (l, fn, onEnd) => {
      const t: Tap = { min: LOG_LEVELS.indexOf(l), fn, onEnd };
      state.taps.add(t);
      retap();
      return () => {
        state.taps.delete(t);
        retap();
      };
    },
  };
}

function make(
  state: State,
  sink: { write(line: string): unknown },
  now: () => Date,
  module: string | undefined,
  base: Record<string, unknown>,
): ServerLogger {
  let own: Named | null = null;
  if (module !== undefined) {
    own = state.named.get(module) ?? { level: null };
    state.named.set(module, own);
  }
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    const idx = LOG_LEVELS.indexOf(level);
    const written = idx >= LOG_LEVELS.indexOf(own?.level ?? state.level);
    if (!written && idx < state.tapMin) return;
    const line: Record<string, unknown> = { '@timestamp': now().toISOString(), '@level': level, '@message': shortened(msg) };
    if (module !== undefined) line['@module'] = module;
    const extra = redactFields({ ...base, ...(fields ?? {}) });
    for (const [k, v] of Object.entries(extra)) if (!k.startsWith('@')) line[k] = v;
    try {
      if (written) sink.write(`${JSON.stringify(line)}\n`);
      if (idx >= state.tapMin) for (const t of state.taps) if (idx >= t.min) t.fn(line);
    } catch {
      // Logging must never take the server down.
    }
  };
  return {
    trace: (m, f) => emit('trace', m, f),
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (name, fields) => make(state, sink, now, module ? `${module}.${name}` : name, { ...base, ...(fields ?? {}) }),
    setLevel: (l) => {
      state.level = l;
    },
    get level() {
      return state.level;
    },
    control: () => controlOf(state),
  };
}
