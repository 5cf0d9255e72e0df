/**
 * Duration parsing with Vault's rules: integers are seconds; strings may be plain
 * integers ("30") or Go-style durations ("1h30m", "90s", "500ms") and Vault's "d" suffix.
 *
 * Vault holds every duration as a Go time.Duration, int64 nanoseconds, so nothing past
 * MAX_DURATION_SECONDS can be expressed there: Go's time.ParseDuration refuses such
 * strings and Vault's integer paths wrap around. Ward refuses both with Go's text, so a
 * TTL is always a finite number of seconds that date arithmetic and JSON can hold.
 */

import { shorten } from './unicode.js';

/** 2^63 - 1 nanoseconds, in whole seconds: the longest time.Duration. */
export const MAX_DURATION_SECONDS = 9223372036;

const MAX_NANOS = (1n << 63n) - 1n;
/** |-2^63|: the magnitude a negative duration may reach. */
const NEG_LIMIT = 1n << 63n;

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu; Go accepts both
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

const UNIT_NANOS_NUMBER: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(UNIT_NANOS).map(([k, v]) => [k, Number(v)]));

/** More integer digits than 2^63 has cannot fit whatever the unit. */
const MAX_INT_DIGITS = 20;
/** Fraction digits past these cannot move the result by a whole nanosecond of an hour. */
const MAX_FRACTION_DIGITS = 20;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Go's error text, with a long input shortened so an error never echoes megabytes. */
function invalid(input: string): Error {
  return new Error(`time: invalid duration ${JSON.stringify(shorten(input))}`);
}

/** The integer in `s[from, to)` as a BigInt, or null when it has more digits than can fit. */
function digitsValue(s: string, from: number, to: number): bigint | null {
  while (from < to && s.charCodeAt(from) === 48) from++;
  if (to - from > MAX_INT_DIGITS) return null;
  return from === to ? 0n : BigInt(s.slice(from, to));
}

/**
 * Go's time.ParseDuration (plus the "d" unit) in nanoseconds, or null when the text is
 * not a duration or does not fit in int64. One pass over the text, no backtracking.
 */
function goDurationNanos(s: string): bigint | null {
  let i = 0;
  let neg = false;
  const first = s.charCodeAt(0);
  if (first === 45 || first === 43) {
    neg = first === 45;
    i = 1;
  }
  if (s.length - i === 1 && s.charCodeAt(i) === 48) return 0n;
  if (i === s.length) return null;
  // Summed as a double while that is exact (most durations), as a BigInt beyond.
  let small = 0;
  let big = 0n;
  while (i < s.length) {
    const start = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    const wholeEnd = i;
    let fracStart = i;
    let fracEnd = i;
    if (s.charCodeAt(i) === 46) {
      fracStart = ++i;
      while (i < s.length && isDigit(s.charCodeAt(i))) i++;
      fracEnd = i;
    }
    if (start === wholeEnd && fracStart === fracEnd) return null; // no digits at all
    const unitStart = i;
    while (i < s.length && s.charCodeAt(i) !== 46 && !isDigit(s.charCodeAt(i))) i++;
    const unitName = s.slice(unitStart, i);
    const unit = UNIT_NANOS[unitName];
    if (unit === undefined) return null;
    const fracDigits = Math.min(fracEnd - fracStart, MAX_FRACTION_DIGITS);
    // Exact in a double while every product and the sum stay below 2^53 (the usual
    // case); anything larger is summed as a BigInt.
    const w = wholeEnd - start <= 15 && fracDigits === 0 ? Number(s.slice(start, wholeEnd) || '0') * (UNIT_NANOS_NUMBER[unitName] as number) : Number.POSITIVE_INFINITY;
    if (w <= Number.MAX_SAFE_INTEGER) {
      if (small + w > Number.MAX_SAFE_INTEGER) {
        big += BigInt(small);
        small = 0;
        if (big > NEG_LIMIT) return null;
      }
      small += w;
    } else {
      const whole = digitsValue(s, start, wholeEnd);
      if (whole === null) return null;
      let part = whole * unit;
      if (fracDigits > 0) part += (BigInt(s.slice(fracStart, fracStart + fracDigits)) * unit) / 10n ** BigInt(fracDigits);
      big += part;
      if (big > NEG_LIMIT) return null;
    }
  }
  const total = big + BigInt(small);
  if (total > NEG_LIMIT || (!neg && total > MAX_NANOS)) return null;
  return neg ? -total : total;
}

/** Parses a duration to whole seconds (fractions truncate, as Vault's ParseDurationSecond). Throws on garbage. */
export function parseDurationSeconds(input: unknown): number {
  if (typeof input === 'number') {
    const secs = Math.trunc(input);
    if (!(Math.abs(secs) <= MAX_DURATION_SECONDS)) throw invalid(String(input)); // NaN fails too
    return secs === 0 ? 0 : secs;
  }
  if (typeof input !== 'string') throw new Error(`invalid duration type ${typeof input}`);
  const s = input.trim();
  if (s === '') return 0;
  if (/^[-+]?\d+$/.test(s)) {
    const digits = s.replace(/^[-+]/, '');
    const value = digitsValue(digits, 0, digits.length);
    if (value === null || value > BigInt(MAX_DURATION_SECONDS)) throw invalid(input);
    const secs = Number(value);
    return s.startsWith('-') && secs !== 0 ? -secs : secs;
  }
  const nanos = goDurationNanos(s);
  if (nanos === null) throw invalid(input);
  const secs = Number(nanos / 1_000_000_000n);
  return secs === 0 ? 0 : secs;
}

/** Formats seconds as a Go duration string ("1h2m3s", "0s"), as Vault echoes some fields. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let s = Math.abs(Math.trunc(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  let out = '';
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  out += `${s}s`;
  return neg ? `-${out}` : out;
}

/**
 * Milliseconds of a Go duration string ("500ms", "2s") or a plain number of seconds, as
 * Vault's ParseDurationSecond reads timeouts; sub-millisecond parts are dropped.
 */
export function parseDurationMillis(input: string): number {
  const s = input.trim();
  if (/^[-+]?\d+$/.test(s)) return parseDurationSeconds(s) * 1000;
  const nanos = goDurationNanos(s);
  if (nanos === null) throw invalid(input);
  return Number(nanos / 1_000_000n);
}
