/**
 * Duration parsing with Vault's rules: integers are seconds; strings may be plain
 * integers ("30") or Go-style durations ("1h30m", "90s", "500ms") and Vault's "d" suffix.
 */

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g;

/** Parses a duration to whole seconds (fractions truncate, as Vault's ParseDurationSecond). Throws on garbage. */
export function parseDurationSeconds(input: unknown): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error(`invalid duration ${String(input)}`);
    return Math.trunc(input);
  }
  if (typeof input !== 'string') throw new Error(`invalid duration type ${typeof input}`);
  const s = input.trim();
  if (s === '') return 0;
  if (/^-?\d+$/.test(s)) return Number.parseInt(s, 10);
  let sign = 1;
  let rest = s;
  if (rest.startsWith('-')) {
    sign = -1;
    rest = rest.slice(1);
  } else if (rest.startsWith('+')) {
    rest = rest.slice(1);
  }
  let total = 0;
  let consumed = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(rest); m; m = PART.exec(rest)) {
    if (m.index !== consumed) break;
    total += Number.parseFloat(m[1] ?? '0') * (UNIT_SECONDS[m[2] ?? 's'] ?? 1);
    consumed = m.index + m[0].length;
  }
  if (consumed !== rest.length || consumed === 0) throw new Error(`time: invalid duration "${input}"`);
  return sign * Math.trunc(total + 1e-9);
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
