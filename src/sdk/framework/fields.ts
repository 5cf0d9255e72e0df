/**
 * Typed field builders with Vault's coercion rules. Clients (the CLI above all) send
 * `key=value` strings, so ints, bools and durations must accept their string forms,
 * and list fields accept "a,b" as well as ["a","b"]. A failed coercion is a 400.
 */
import { parseDurationSeconds } from '../../lib/duration.js';
import { isWellFormed, shorten } from '../../lib/unicode.js';
import { badRequest } from '../errors.js';

export interface FieldSpec<T> {
  readonly kind: string;
  readonly description: string;
  readonly default: T;
  readonly required: boolean;
  /** Values that must not appear in logs or help output examples. */
  readonly sensitive: boolean;
  readonly allowed?: readonly T[];
  /**
   * Read from the query string on GET/LIST/DELETE (Vault's `Query`): the OpenAPI document
   * lists it as a query parameter of those operations; writes still take it in the body.
   */
  readonly query?: boolean;
  parse(raw: unknown): T;
}

interface Opts<T> {
  description?: string;
  default?: T;
  required?: boolean;
  sensitive?: boolean;
  allowed?: readonly T[];
  query?: boolean;
}

/** Field names whose values are secrets even when a backend forgot to mark them sensitive. */
const SECRET_NAME = /password|secret|token|jwt|key|credential|private|ciphertext|plaintext/i;

function conversionError(name: string, raw: unknown, why: string, sensitive: boolean): Error {
  // Never quote a secret back to the client (or into logs that record error bodies).
  if (sensitive || SECRET_NAME.test(name)) return badRequest(`error converting input for field "${name}": ${reasonWithoutInput(why)}`);
  return badRequest(`error converting input ${preview(raw)} for field "${name}": ${why}`);
}

/** At most about 64 characters of the input, whatever its size or depth. */
function preview(raw: unknown): string {
  if (typeof raw === 'string') return shorten(JSON.stringify(shorten(raw, 70)));
  let shown: string;
  try {
    shown = JSON.stringify(raw) ?? typeof raw;
  } catch {
    // Too deep (or cyclic) to print: say what it is rather than fail here.
    shown = Array.isArray(raw) ? '[...]' : typeof raw;
  }
  return shorten(shown);
}

/** The reason without any echo of the input (the parsers' messages may quote it). */
function reasonWithoutInput(why: string): string {
  if (why.startsWith('time: invalid duration')) return 'time: invalid duration';
  if (why.endsWith(': value out of range')) return 'value out of range';
  const m = /expected an? [A-Za-z0-9 -]+/.exec(why);
  return `expected ${m ? m[0].replace(/^expected /, '').trim() : 'a different type'}`;
}

function make<T>(kind: string, fallback: T, parse: (raw: unknown) => T, o: Opts<T> = {}): FieldSpec<T> {
  return {
    kind,
    description: o.description ?? '',
    default: o.default ?? fallback,
    required: o.required ?? false,
    sensitive: o.sensitive ?? false,
    ...(o.allowed ? { allowed: o.allowed } : {}),
    ...(o.query ? { query: true } : {}),
    parse,
  };
}

/**
 * Text no UTF-8 encoder can write is refused where it enters: an unpaired surrogate
 * made URI encoders throw (a 500) and was silently mangled by Buffer.from elsewhere.
 */
function wellFormed(s: string): string {
  if (!isWellFormed(s)) throw new TypeError('expected a valid UTF-8 string (found an unpaired surrogate)');
  return s;
}

/** Go's mapstructure weak string decoding. */
function toStr(raw: unknown): string {
  if (typeof raw === 'string') return wellFormed(raw);
  if (typeof raw === 'number') return String(raw);
  if (typeof raw === 'boolean') return raw ? '1' : '0';
  if (raw === null || raw === undefined) return '';
  throw new TypeError('expected a string');
}

/**
 * Integers are held exactly or refused: past 2^53 a double rounds (and a long digit
 * string becomes Infinity, which storage cannot write back), so Ward's range is the
 * safe integers where Vault's is int64. The text is strconv's.
 */
function safeInt(n: number, raw: unknown): number {
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  throw new TypeError(`strconv.ParseInt: parsing ${JSON.stringify(shorten(String(raw)))}: value out of range`);
}

function toInt(raw: unknown): number {
  if (typeof raw === 'number') {
    if (Number.isNaN(raw)) throw new TypeError('expected an integer');
    return safeInt(Math.trunc(raw), raw);
  }
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (s === '') return 0;
    if (!/^[-+]?\d+$/.test(s)) throw new TypeError(`strconv.ParseInt: parsing ${JSON.stringify(shorten(raw))}: invalid syntax`);
    return safeInt(Number.parseInt(s, 10), raw);
  }
  throw new TypeError('expected an integer');
}

function toBool(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw !== 0;
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(s)) return false;
    throw new TypeError(`strconv.ParseBool: parsing ${JSON.stringify(shorten(raw))}: invalid syntax`);
  }
  throw new TypeError('expected a boolean');
}

function toStringList(raw: unknown, splitCommas: boolean): string[] {
  if (raw === null || raw === undefined) return [];
  if (Array.isArray(raw)) {
    const out: string[] = [];
    for (const v of raw) {
      const s = toStr(v);
      if (splitCommas) out.push(...s.split(',').map((x) => x.trim()).filter((x) => x !== ''));
      else out.push(s);
    }
    return out;
  }
  const s = toStr(raw);
  if (s.trim() === '') return [];
  return splitCommas ? s.split(',').map((x) => x.trim()).filter((x) => x !== '') : [s];
}

function toObject(raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined || raw === '') return {};
  if (typeof raw === 'string') {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    throw new TypeError('expected a map');
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  throw new TypeError('expected a map');
}

function toKvPairs(raw: unknown): Record<string, string> {
  // One `k=v` string (the vault CLI's `metadata=team=blue`) is a list of one pair, as
  // Vault's weak decoding makes it; a JSON object in a string is still read as a map.
  if (typeof raw === 'string' && !raw.trimStart().startsWith('{')) return toKvPairs([raw]);
  if (Array.isArray(raw)) {
    const out: Record<string, string> = {};
    for (const item of raw) {
      const s = toStr(item);
      const eq = s.indexOf('=');
      if (eq <= 0) throw new TypeError(`invalid key value pair ${JSON.stringify(shorten(s))}`);
      out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  const obj = toObject(raw);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) out[wellFormed(k)] = toStr(v);
  return out;
}

function duration(raw: unknown, allowNegative: boolean): number {
  if (raw === null || raw === undefined) return 0;
  let secs: number;
  try {
    secs = parseDurationSeconds(raw);
  } catch (e) {
    throw new TypeError((e as Error).message);
  }
  if (!allowNegative && secs < 0) throw new TypeError(`cannot provide negative value '${secs}'`);
  return secs;
}

/** Wraps a raw parser so errors name the field. The name is bound later by the framework. */
export function parseField<T>(name: string, spec: FieldSpec<T>, raw: unknown): T {
  let value: T;
  try {
    value = spec.parse(raw);
  } catch (e) {
    if (e instanceof Error && 'status' in e) throw e;
    throw conversionError(name, raw, e instanceof Error ? e.message : String(e), spec.sensitive);
  }
  if (spec.allowed && !spec.allowed.includes(value)) {
    throw badRequest(`invalid value ${preview(value)} for field "${name}"; allowed: ${spec.allowed.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  return value;
}

export const field = {
  string: (o?: Opts<string>) => make('string', '', toStr, o),
  lowerCaseString: (o?: Opts<string>) => make('lowercase_string', '', (r) => toStr(r).toLowerCase(), o),
  int: (o?: Opts<number>) => make('int', 0, toInt, o),
  bool: (o?: Opts<boolean>) => make('bool', false, toBool, o),
  /** Seconds; accepts 86400, "86400", "24h", "1d". Negative values are refused. */
  durationSecond: (o?: Opts<number>) => make('duration_second', 0, (r) => duration(r, false), o),
  signedDurationSecond: (o?: Opts<number>) => make('signed_duration_second', 0, (r) => duration(r, true), o),
  /** A list; a single string becomes a one-element list. */
  stringSlice: (o?: Opts<string[]>) => make('string_slice', [] as string[], (r) => toStringList(r, false), o),
  /** A list; "a,b" and ["a","b"] both accepted, items trimmed. */
  commaStringSlice: (o?: Opts<string[]>) => make('comma_string_slice', [] as string[], (r) => toStringList(r, true), o),
  commaIntSlice: (o?: Opts<number[]>) =>
    make('comma_int_slice', [] as number[], (r) => (Array.isArray(r) ? r.map(toInt) : toStringList(r, true).map(toInt)), o),
  /** Any JSON object; a JSON string of an object is accepted too. */
  map: (o?: Opts<Record<string, unknown>>) => make('map', {} as Record<string, unknown>, toObject, o),
  /** string→string map, or a list of "k=v". */
  kvPairs: (o?: Opts<Record<string, string>>) => make('kv_pairs', {} as Record<string, string>, toKvPairs, o),
  /** Any JSON value passed through untouched (the handler validates). */
  raw: (o?: Opts<unknown>) => make<unknown>('raw', undefined, (r) => r, o),
};

export type Fields = Record<string, FieldSpec<unknown>>;
export type FieldValue<S> = S extends FieldSpec<infer T> ? T : never;
export type FieldValues<F extends Fields> = { [K in keyof F]: FieldValue<F[K]> };
