/**
 * How Go prints template values: `{{ x }}` output, `%v`, and the `printf` verbs
 * templates use. Values are JSON-shaped (decoded server responses), `undefined`
 * stands for Go's "no value".
 */

/** A value inside the template engine. */
export type Value = string | number | boolean | null | undefined | Value[] | { [k: string]: Value } | Uint8Array;

export const isMap = (v: Value): v is { [k: string]: Value } => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** Go `%v`: maps as `map[k:v …]` with sorted keys, slices as `[a b]`, nil as `<nil>`. */
export function goString(v: Value): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Uint8Array) return `[${[...v].join(' ')}]`;
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  return `map[${Object.keys(v).sort().map((k) => `${k}:${goString(v[k])}`).join(' ')}]`;
}

/** What an action prints: like `%v`, but a missing or nil value is `<no value>`. */
export function printValue(v: Value): string {
  return v === undefined || v === null ? '<no value>' : goString(v);
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n);
  // Go prints float64 with %v as the shortest repr, switching to exponent form for large exponents.
  const s = String(n);
  return s.includes('e') ? s.replace(/e([+-])(\d)$/, 'e$10$2') : s;
}

/** Go's `%q` for strings: a double-quoted literal with Go escapes. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

function pad(s: string, width: number | undefined, flags: string): string {
  if (width === undefined || s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  if (flags.includes('0') && /^[-+]?[\d.]/.test(s)) {
    const sign = /^[-+]/.test(s) ? s.slice(0, 1) : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  }
  return s.padStart(width);
}

function toNum(v: Value): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Go `fmt.Sprintf` for the verbs templates use: %v %s %d %q %t %x %X %f %e %g %%. */
export function sprintf(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_all, flags: string, w: string | undefined, p: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const a = args[n++];
    const width = w === undefined ? undefined : Number(w);
    const prec = p === undefined ? undefined : Number(p);
    let s: string;
    switch (verb) {
      case 'v': s = goString(a); break;
      case 's': s = a instanceof Uint8Array ? Buffer.from(a).toString('utf8') : typeof a === 'string' ? a : goString(a); if (prec !== undefined) s = s.slice(0, prec); break;
      case 'q': s = typeof a === 'string' ? quote(a) : `%!q(${goString(a)})`; break;
      case 't': s = typeof a === 'boolean' ? String(a) : `%!t(${goString(a)})`; break;
      case 'd': {
        const x = toNum(a);
        s = x !== undefined && Number.isInteger(x) ? String(x) : `%!d(${typeof a === 'string' ? 'string=' : ''}${goString(a)})`;
        if (flags.includes('+') && x !== undefined && x >= 0) s = `+${s}`;
        break;
      }
      case 'x': case 'X': {
        if (typeof a === 'string') s = Buffer.from(a, 'utf8').toString('hex');
        else if (a instanceof Uint8Array) s = Buffer.from(a).toString('hex');
        else if (typeof a === 'number' && Number.isInteger(a)) s = (a < 0 ? '-' : '') + Math.abs(a).toString(16);
        else s = `%!x(${goString(a)})`;
        if (verb === 'X') s = s.toUpperCase();
        break;
      }
      case 'f': case 'e': case 'g': {
        const x = toNum(a);
        if (x === undefined) s = `%!${verb}(${goString(a)})`;
        else if (verb === 'f') s = x.toFixed(prec ?? 6);
        else if (verb === 'e') s = x.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        else s = prec === undefined ? formatNumber(x) : String(Number(x.toPrecision(prec)));
        break;
      }
      default: s = `%!${verb}(${goString(a)})`;
    }
    return pad(s, width, flags);
  }) + (n < args.length ? `%!(EXTRA ${args.slice(n).map((a) => `${typeof a === 'string' ? 'string' : typeof a}=${goString(a)}`).join(', ')})` : '');
}
