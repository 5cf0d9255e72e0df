/**
 * The one codec for records backends keep in storage: what it writes, it reads back as
 * the same value. JSON.stringify alone does not promise that: it writes Infinity and NaN
 * as null (the value changes), throws on a BigInt or a deep enough value (a 500), and a
 * hand-built encoder that printed a number wrote `Infinity`, which no JSON parser reads
 * (the key then answered 500 on every request, even after a restart). Every record is
 * checked before it is written; a value that would not survive is a 400.
 */
import { quote } from '../lib/json-text.js';
import { isWellFormed } from '../lib/unicode.js';
import { badRequest, type WardError } from './errors.js';

/** Deeper than any record Ward writes and than the HTTP entry's JSON depth limit. */
export const MAX_RECORD_DEPTH = 1000;

const refuse = (why: string): WardError => badRequest(`cannot store the value: ${why}`);

interface WithToJSON {
  toJSON(key: string): unknown;
}

function check(v: unknown, depth: number, inList: boolean): void {
  switch (typeof v) {
    case 'string':
      if (!isWellFormed(v)) throw refuse('a string is not valid UTF-8 (unpaired surrogate)');
      return;
    case 'number':
      if (!Number.isFinite(v)) throw refuse('numbers must be finite');
      return;
    case 'boolean':
      return;
    case 'undefined':
      // An absent property; in a list JSON would turn it into null.
      if (inList) throw refuse('cannot store undefined in a list');
      return;
    case 'object':
      break;
    default:
      throw refuse(`cannot store a ${typeof v}`);
  }
  if (v === null) return;
  if (depth >= MAX_RECORD_DEPTH) throw refuse('nested too deeply');
  if (typeof (v as Partial<WithToJSON>).toJSON === 'function') {
    const json = (v as WithToJSON).toJSON('');
    if (json === null || json === undefined) throw refuse('cannot store a value that serialises to nothing');
    check(json, depth + 1, false);
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) check(v[i], depth + 1, true);
    return;
  }
  for (const k of Object.keys(v)) {
    if (!isWellFormed(k)) throw refuse('a key is not valid UTF-8 (unpaired surrogate)');
    const child = (v as Record<string, unknown>)[k];
    // JSON.stringify skips functions and symbols as object properties; a record holding one is a bug.
    if (typeof child === 'function' || typeof child === 'symbol') throw refuse(`cannot store a ${typeof child}`);
    check(child, depth + 1, false);
  }
}

/** Throws a 400 when `value` would not read back from JSON as itself. */
export function checkRecord(value: unknown): void {
  check(value, 0, false);
}

/** The JSON text of a checked record. */
export function recordText(value: unknown): string {
  check(value, 0, false);
  return JSON.stringify(value);
}

/** The stored bytes of a checked record. */
export function encodeRecord(value: unknown): Buffer {
  return Buffer.from(recordText(value), 'utf8');
}

/**
 * Parses a stored record. A record an older version wrote with a bare `Infinity`,
 * `-Infinity` or `NaN` (not JSON) reads with 0 in its place, so the key becomes usable
 * and is rewritten correctly on the next change; the repair runs only after a parse failed.
 */
export function decodeRecord<T>(raw: Buffer): T {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    const repaired = replaceNonFinite(text);
    if (repaired === text) throw e;
    return JSON.parse(repaired) as T;
  }
}

const NON_FINITE = ['-Infinity', 'Infinity', 'NaN'];

/** `text` with every non-finite literal outside strings replaced by 0. One pass. */
function replaceNonFinite(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x2d && c !== 0x49 && c !== 0x4e) continue; // '-', 'I', 'N'
    const word = NON_FINITE.find((w) => text.startsWith(w, i));
    if (word === undefined) continue;
    out += `${text.slice(from, i)}0`;
    i += word.length - 1;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Pieces for the few hand-written encoders on hot paths (KV v2 metadata): each refuses
 * what recordText would, so such an encoder cannot write text that fails to parse.
 */
export function jsonInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw refuse('numbers must be finite integers here');
  return String(n);
}

export function jsonString(s: string): string {
  if (!isWellFormed(s)) throw refuse('a string is not valid UTF-8 (unpaired surrogate)');
  return quote(s);
}

export const jsonBool = (b: boolean): string => (b === true ? 'true' : 'false');
