/**
 * The HMAC walker of audit records: `hmac-sha256:<hex>` of a string under a device's
 * salt, and the JSON text of a value with every string leaf so hashed. The record
 * layout around it is the formatter's (formatter.ts).
 */
import { createHmac } from 'node:crypto';
import { quote } from '../../lib/json-text.js';

export const HMAC_PREFIX = 'hmac-sha256:';

/**
 * The deepest nesting a record's data may have. The walk below recurses once per level,
 * so it must stop well before V8's stack does (about 4,000 levels); requests cannot get
 * past max_json_depth (500 by default), and records hold their data a level or two
 * deeper. Beyond it the record fails to format, which the broker handles like every other audit
 * failure (the request is refused, fail closed).
 */
export const MAX_AUDIT_DEPTH = 1000;

const tooDeep = (): Error => new Error('audit: data nested too deeply to record');
const clearText = (s: string): string => s;

/** `hmac-sha256:` + hex(HMAC-SHA256(salt, s)): the value audit-hash returns and records carry. */
export function hmacValue(salt: Buffer, s: string): string {
  return HMAC_PREFIX + createHmac('sha256', salt).update(s, 'utf8').digest('hex');
}

/**
 * The JSON text of `v` with every string leaf hashed; a map key listed in `clear` keeps
 * its whole value unhashed, at any depth. Written in one pass rather than by building a
 * hashed copy for JSON.stringify: the copy's objects had null prototypes (so a
 * client-sent "__proto__" stays a key), which V8 keeps as slow dictionaries, and they
 * were most of the cost of a write's audit records. Follows JSON.stringify's rules:
 * `toJSON` is honoured; undefined, functions and symbols drop out of objects and become
 * null in arrays; non-finite numbers become null; a bigint throws. `depth` counts the
 * containers around `v`; past MAX_AUDIT_DEPTH it throws rather than recurse further.
 */
export function hashedJson(v: unknown, hash: (s: string) => string, clear: ReadonlySet<string> | null, depth = 0): string | undefined {
  switch (typeof v) {
    case 'string':
      return quote(hash(v));
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      // JSON.stringify's text for finite numbers is String's; it writes the rest as null.
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return JSON.stringify(v);
    case 'object':
      break;
    default:
      return undefined;
  }
  if (v === null) return 'null';
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return hashedJson(toJSON.call(v), hash, clear, depth);
  if (depth >= MAX_AUDIT_DEPTH) throw tooDeep();
  if (Array.isArray(v)) {
    let out = '';
    for (let i = 0; i < v.length; i++) out += `${i === 0 ? '' : ','}${hashedJson(v[i], hash, clear, depth + 1) ?? 'null'}`;
    return `[${out}]`;
  }
  let out = '';
  const src = v as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    const x = src[k];
    // A clear key's whole value is written as is, through the same bounded walk
    // (JSON.stringify would recurse on its own).
    const text = clear !== null && clear.has(k) ? hashedJson(x, clearText, null, depth + 1) : hashedJson(x, hash, clear, depth + 1);
    if (text === undefined) continue;
    out += `${out === '' ? '' : ','}${quote(k)}:${text}`;
  }
  return `{${out}}`;
}
