/**
 * The functions a destination template may call, as VSO offers them: Go's builtins plus the
 * commonly used part of its sprig allow-list (hermetic: no environment, no files, no network,
 * no crypto key generation). Argument order is sprig's (the piped value comes last).
 */
import { createHash } from 'node:crypto';
import { builtinFuncs, goString, isMap, toJSON, toJSONPretty, toUnescapedJSON, truth, type TemplateFunc, type Value } from './template-engine.js';

const GO_BUILTINS = ['and', 'or', 'not', 'len', 'index', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'urlquery'];

// sprig's toString: strings as-is, nil as "", everything else as Go's %v.
const s = (v: Value): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : goString(v));
const n = (v: Value): number => {
  const x = typeof v === 'number' ? v : Number.parseInt(s(v), 10);
  return Number.isFinite(x) ? Math.trunc(x) : 0;
};
const listOf = (v: Value): Value[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const map = (v: Value, fn: string): { [k: string]: Value } => {
  if (isMap(v)) return v;
  throw new Error(`${fn}: expected a map`);
};

function dict(...kv: Value[]): Value {
  const out: { [k: string]: Value } = {};
  for (let i = 0; i < kv.length; i += 2) out[s(kv[i])] = kv[i + 1] ?? '';
  return out;
}

function b64dec(v: Value): string {
  const t = s(v);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) throw new Error('illegal base64 data');
  return Buffer.from(t, 'base64').toString('utf8');
}

export function transformFuncs(): Record<string, TemplateFunc> {
  const go = builtinFuncs({});
  const f: Record<string, TemplateFunc> = Object.fromEntries(GO_BUILTINS.map((k) => [k, go[k] as TemplateFunc]));
  Object.assign(f, {
    // Maps and lists.
    get: (m, k) => (isMap(m) && Object.prototype.hasOwnProperty.call(m, s(k)) ? (m[s(k)] as Value) : ''),
    hasKey: (m, k) => isMap(m) && Object.prototype.hasOwnProperty.call(m, s(k)),
    keys: (...ms) => ms.flatMap((m) => Object.keys(map(m, 'keys'))),
    values: (m) => Object.values(map(m, 'values')),
    pick: (m, ...ks) => Object.fromEntries(ks.map(s).filter((k) => Object.prototype.hasOwnProperty.call(map(m, 'pick'), k)).map((k) => [k, map(m, 'pick')[k] as Value])),
    omit: (m, ...ks) => Object.fromEntries(Object.entries(map(m, 'omit')).filter(([k]) => !ks.map(s).includes(k))),
    dict,
    list: (...a) => a,
    first: (l) => listOf(l)[0],
    last: (l) => listOf(l)[listOf(l).length - 1],
    has: (needle, l) => listOf(l).some((x) => x === needle),
    uniq: (l) => [...new Set(listOf(l))],
    sortAlpha: (l) => listOf(l).map(s).sort(),
    append: (l, v) => [...listOf(l), v],
    default: (d, v) => (truth(v) ? v : d),
    empty: (v) => !truth(v),
    coalesce: (...a) => a.find((x) => truth(x)),
    ternary: (a, b, c) => (truth(c) ? a : b),
    // Strings.
    toString: (v: Value) => s(v),
    upper: (v) => s(v).toUpperCase(),
    lower: (v) => s(v).toLowerCase(),
    title: (v) => s(v).replace(/\b\w/g, (c) => c.toUpperCase()),
    trim: (v) => s(v).trim(),
    trimAll: (cut, v) => s(v).replace(new RegExp(`^[${escapeClass(s(cut))}]+|[${escapeClass(s(cut))}]+$`, 'g'), ''),
    trimPrefix: (p, v) => (s(v).startsWith(s(p)) ? s(v).slice(s(p).length) : s(v)),
    trimSuffix: (x, v) => (s(x) !== '' && s(v).endsWith(s(x)) ? s(v).slice(0, -s(x).length) : s(v)),
    nospace: (v) => s(v).replace(/\s+/g, ''),
    replace: (from, to, v) => s(v).split(s(from)).join(s(to)),
    repeat: (count, v) => s(v).repeat(Math.max(0, n(count))),
    substr: (a, b, v) => s(v).slice(n(a), n(b) < 0 ? undefined : n(b)),
    trunc: (c, v) => (n(c) >= 0 ? s(v).slice(0, n(c)) : s(v).slice(n(c))),
    contains: (sub, v) => s(v).includes(s(sub)),
    hasPrefix: (p, v) => s(v).startsWith(s(p)),
    hasSuffix: (x, v) => s(v).endsWith(s(x)),
    quote: (...a) => a.filter((x) => x !== undefined && x !== null).map((x) => JSON.stringify(s(x))).join(' '),
    squote: (...a) => a.filter((x) => x !== undefined && x !== null).map((x) => `'${s(x)}'`).join(' '),
    cat: (...a) => a.filter((x) => x !== undefined && x !== null).map(s).join(' '),
    indent: (c, v) => s(v).split('\n').map((l) => ' '.repeat(n(c)) + l).join('\n'),
    nindent: (c, v) => `\n${s(v).split('\n').map((l) => ' '.repeat(n(c)) + l).join('\n')}`,
    join: (sep, l) => listOf(l).map(s).join(s(sep)),
    splitList: (sep, v) => s(v).split(s(sep)),
    split: (sep, v) => Object.fromEntries(s(v).split(s(sep)).map((p, i) => [`_${i}`, p])),
    regexMatch: (re, v) => new RegExp(s(re)).test(s(v)),
    regexFind: (re, v) => new RegExp(s(re)).exec(s(v))?.[0] ?? '',
    regexReplaceAll: (re, v, repl) => s(v).replace(new RegExp(s(re), 'g'), s(repl).replace(/\$\{(\w+)\}/g, '$$$1')),
    // Encodings.
    b64enc: (v) => Buffer.from(s(v), 'utf8').toString('base64'),
    b64dec: (v) => b64dec(v),
    sha256sum: (v) => createHash('sha256').update(s(v)).digest('hex'),
    toJson: (v) => toJSON(v),
    mustToJson: (v) => toJSON(v),
    toPrettyJson: (v) => toJSONPretty(v),
    mustToPrettyJson: (v) => toJSONPretty(v),
    toRawJson: (v) => toUnescapedJSON(v),
    mustToRawJson: (v) => toUnescapedJSON(v),
    // sprig: invalid JSON is nil, not an error (mustFromJson errors).
    fromJson: (v) => {
      try {
        return JSON.parse(s(v)) as Value;
      } catch {
        return null;
      }
    },
    mustFromJson: (v) => JSON.parse(s(v)) as Value,
    // Numbers.
    int: (v) => n(v),
    atoi: (v) => n(v),
    add: (...a) => a.reduce<number>((x, y) => x + n(y), 0),
    add1: (v) => n(v) + 1,
    sub: (a, b) => n(a) - n(b),
    mul: (...a) => a.reduce<number>((x, y) => x * n(y), 1),
    div: (a, b) => Math.trunc(n(a) / n(b)),
    mod: (a, b) => n(a) % n(b),
    max: (...a) => Math.max(...a.map(n)),
    min: (...a) => Math.min(...a.map(n)),
  } satisfies Record<string, TemplateFunc>);
  return f;
}

const escapeClass = (c: string): string => c.replace(/[\\\]^-]/g, '\\$&');
