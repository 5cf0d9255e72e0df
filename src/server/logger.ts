/**
 * A small JSON-lines logger (hclog-like keys: @timestamp, @level, @message, @module).
 * Values of fields whose names look secret (token, secret, password, key, …) are
 * replaced by "[redacted]" at any depth, so a careless call site cannot leak them.
 */
import type { Logger } from '../sdk/logical.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export interface ServerLogger extends Logger {
  trace(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `@module` and fixed fields to every line. */
  child(module: string, fields?: Record<string, unknown>): ServerLogger;
  setLevel(level: LogLevel): void;
  readonly level: LogLevel;
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

/** Accepts options or just a level name (an unknown name falls back to info). */
export function createLogger(optsOrLevel: LoggerOptions | LogLevel | string = {}): ServerLogger {
  const opts: LoggerOptions = typeof optsOrLevel === 'string' ? { level: parseLogLevel(optsOrLevel) ?? 'info' } : optsOrLevel;
  const state = { level: opts.level ?? 'info' };
  const sink = opts.sink ?? process.stderr;
  const now = opts.now ?? (() => new Date());
  return make(state, sink, now, undefined, {});
}

function make(
  state: { level: LogLevel },
  sink: { write(line: string): unknown },
  now: () => Date,
  module: string | undefined,
  base: Record<string, unknown>,
): ServerLogger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(state.level)) return;
    const line: Record<string, unknown> = { '@timestamp': now().toISOString(), '@level': level, '@message': shortened(msg) };
    if (module !== undefined) line['@module'] = module;
    const extra = redactFields({ ...base, ...(fields ?? {}) });
    for (const [k, v] of Object.entries(extra)) if (!k.startsWith('@')) line[k] = v;
    try {
      sink.write(`${JSON.stringify(line)}\n`);
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
  };
}
