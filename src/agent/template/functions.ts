/**
 * The template functions that need no server: Go's builtins and the consul-template
 * helpers Vault users write. Data-fetching functions (`secret`, `pkiCert`, `file`) come
 * from the renderer, which records them as dependencies.
 */
import { createHash } from 'node:crypto';
import { goString, isMap, sprintf, type Value } from './format.js';
import { toJSON, toJSONPretty, toUnescapedJSON, toYAML } from './serialize.js';
import { truth, type TemplateFunc } from './eval.js';

const str = (v: Value, fn: string): string => {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`${fn}: expected a string, got ${goString(v)}`);
};

const list = (v: Value, fn: string): Value[] => {
  if (Array.isArray(v)) return v;
  throw new Error(`${fn}: expected a list, got ${goString(v)}`);
};

function eq(a: Value, b: Value): boolean {
  if ((typeof a === 'object' && a !== null) || (typeof b === 'object' && b !== null)) throw new Error('incompatible types for comparison');
  return a === b;
}

function cmp(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new Error('incompatible types for comparison');
}

function index(coll: Value, ...keys: Value[]): Value {
  let cur = coll;
  for (const k of keys) {
    if (Array.isArray(cur) || typeof cur === 'string') {
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= cur.length) throw new Error(`index out of range: ${goString(k)}`);
      cur = typeof cur === 'string' ? cur.charCodeAt(k) : cur[k];
    } else if (isMap(cur)) {
      cur = cur[String(k)];
    } else if (cur === undefined || cur === null) {
      throw new Error('index of untyped nil');
    } else throw new Error(`can't index item of type ${typeof cur}`);
  }
  return cur;
}

function contains(needle: Value, haystack: Value): boolean {
  if (typeof haystack === 'string') return haystack.includes(str(needle, 'contains'));
  if (Array.isArray(haystack)) return haystack.some((x) => x === needle);
  if (isMap(haystack)) return Object.prototype.hasOwnProperty.call(haystack, String(needle));
  return false;
}

function length(v: Value): number {
  if (typeof v === 'string' || Array.isArray(v) || v instanceof Uint8Array) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new Error(`len of type ${v === null || v === undefined ? 'nil' : typeof v}`);
}

const consulOnly = (name: string): TemplateFunc => () => {
  throw new Error(`${name} reads Consul's KV store, which Ward's agent does not talk to; use secret with a KV path`);
};

/** Builtins for one render; `env` is the agent's environment. */
export function builtinFuncs(env: NodeJS.ProcessEnv): Record<string, TemplateFunc> {
  const f: Record<string, TemplateFunc> = {
    and: (...a) => a.find((x) => !truth(x)) ?? a[a.length - 1],
    or: (...a) => a.find((x) => truth(x)) ?? a[a.length - 1],
    not: (a) => !truth(a),
    len: (a) => length(a),
    index: (c, ...k) => index(c, ...k),
    print: (...a) => a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + goString(x)).join(''),
    println: (...a) => `${a.map(goString).join(' ')}\n`,
    printf: (fmt, ...a) => sprintf(str(fmt, 'printf'), a),
    eq: (a, ...b) => b.some((x) => eq(a, x)),
    ne: (a, b) => !eq(a, b),
    lt: (a, b) => cmp(a, b) < 0,
    le: (a, b) => cmp(a, b) <= 0,
    gt: (a, b) => cmp(a, b) > 0,
    ge: (a, b) => cmp(a, b) >= 0,
    urlquery: (...a) => encodeURIComponent(a.map(goString).join('')),

    toJSON: (v) => toJSON(v),
    toJSONPretty: (v) => toJSONPretty(v),
    toUnescapedJSON: (v) => toUnescapedJSON(v),
    toYAML: (v) => toYAML(v),
    parseJSON: (s) => JSON.parse(str(s, 'parseJSON')) as Value,
    parseInt: (s) => {
      const n = Number.parseInt(str(s, 'parseInt'), 10);
      if (Number.isNaN(n)) throw new Error(`parseInt: invalid integer ${goString(s)}`);
      return n;
    },
    parseBool: (s) => /^(1|t|true)$/i.test(str(s, 'parseBool')),
    base64Encode: (s) => Buffer.from(str(s, 'base64Encode'), 'utf8').toString('base64'),
    base64Decode: (s) => decode64(str(s, 'base64Decode'), 'base64'),
    base64URLEncode: (s) => Buffer.from(str(s, 'base64URLEncode'), 'utf8').toString('base64url'),
    base64URLDecode: (s) => decode64(str(s, 'base64URLDecode'), 'base64url'),
    sha256Hex: (s) => createHash('sha256').update(str(s, 'sha256Hex')).digest('hex'),

    env: (k) => env[str(k, 'env')] ?? '',
    envOrDefault: (k, d) => env[str(k, 'envOrDefault')] ?? str(d, 'envOrDefault'),
    mustEnv: (k) => {
      const v = env[str(k, 'mustEnv')];
      if (v === undefined) throw new Error(`environment variable ${String(k)} is not set`);
      return v;
    },

    split: (sep, s) => {
      const text = str(s, 'split');
      return text === '' ? [] : text.split(str(sep, 'split'));
    },
    join: (sep, l) => list(l, 'join').map((x) => str(x, 'join')).join(str(sep, 'join')),
    contains: (needle, hay) => contains(needle, hay),
    in: (hay, needle) => contains(needle, hay),
    trimSpace: (s) => str(s, 'trimSpace').trim(),
    trimPrefix: (p, s) => {
      const t = str(s, 'trimPrefix');
      const pre = str(p, 'trimPrefix');
      return t.startsWith(pre) ? t.slice(pre.length) : t;
    },
    trimSuffix: (p, s) => {
      const t = str(s, 'trimSuffix');
      const suf = str(p, 'trimSuffix');
      return suf !== '' && t.endsWith(suf) ? t.slice(0, -suf.length) : t;
    },
    toLower: (s) => str(s, 'toLower').toLowerCase(),
    toUpper: (s) => str(s, 'toUpper').toUpperCase(),
    replaceAll: (from, to, s) => str(s, 'replaceAll').split(str(from, 'replaceAll')).join(str(to, 'replaceAll')),
    indent: (n, s) => {
      const pad = ' '.repeat(typeof n === 'number' ? n : 0);
      return str(s, 'indent').split('\n').map((l) => pad + l).join('\n');
    },
    timestamp: () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  for (const name of ['key', 'keyOrDefault', 'keyExists', 'ls', 'tree', 'service', 'services', 'node', 'nodes']) f[name] = consulOnly(name);
  return f;
}

function decode64(s: string, enc: 'base64' | 'base64url'): string {
  const clean = s.trim();
  const re = enc === 'base64' ? /^[A-Za-z0-9+/]*={0,2}$/ : /^[A-Za-z0-9_-]*={0,2}$/;
  if (!re.test(clean)) throw new Error(`illegal ${enc} data`);
  return Buffer.from(clean, enc).toString('utf8');
}
