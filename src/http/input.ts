/**
 * The one place where what a client sends becomes data for the core. Every string the
 * core sees comes through here, and these rules hold for all of them:
 *
 *   - it is well-formed Unicode: no lone UTF-16 surrogate, from a JSON `\uD800` escape,
 *     invalid UTF-8 bytes, or a percent-escape that does not decode as UTF-8 (node's
 *     decoders would otherwise turn the last two into U+FFFD silently);
 *   - a JSON body is within the listener's limits (depth, string length, entries per
 *     object, elements per array: Vault's `max_json_*` options), checked by a linear
 *     scan of the text before JSON.parse builds any object, so nesting can never reach
 *     a recursive serialiser or hasher further in.
 *
 * Entry points: the request path (`decodePath`), the query (`queryParams`), and the
 * body (`jsonBody`, `formBody`). Anything that breaks a rule is a 400 WardError.
 */
import { isUtf8 } from 'node:buffer';
import { badRequest } from '../sdk/errors.js';

export interface JsonLimits {
  /** `max_json_depth`: containers nested inside each other, the outermost counting 1. */
  maxDepth: number;
  /** `max_json_string_value_length`: UTF-8 bytes of a string (escapes decoded), keys too. */
  maxStringLength: number;
  /** `max_json_object_entry_count`: members of one object. */
  maxObjectEntries: number;
  /** `max_json_array_element_count`: elements of one array. */
  maxArrayElements: number;
}

/** Vault's defaults for the four listener options. */
export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({
  maxDepth: 500,
  maxStringLength: 1_048_576,
  maxObjectEntries: 10_000,
  maxArrayElements: 10_000,
});

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** The value of a hex digit's code unit, or -1 (also for NaN, past the end). */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** The code unit a `\uXXXX` escape at `i` (pointing at the backslash) denotes, or -1. */
function escapedUnit(text: string, i: number): number {
  if (text.charCodeAt(i + 1) !== 0x75 /* u */) return -1;
  let v = 0;
  for (let k = 2; k < 6; k++) {
    const h = hexValue(text.charCodeAt(i + k));
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/**
 * Checks `text` against `limits` without building anything. Malformed JSON is left for
 * JSON.parse to report; this only has to be linear and never be fooled into skipping a
 * limit. `stack` holds, per open container, its kind and the separators seen so far.
 */
function scanJson(text: string, limits: JsonLimits, stack: Stack): void {
  let depth = 0;
  let { counts, kinds } = stack;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = scanString(text, i, limits.maxStringLength);
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > limits.maxDepth) throw badRequest('JSON input exceeds allowed nesting depth');
      if (depth >= counts.length) ({ counts, kinds } = stack.grow());
      counts[depth] = 0;
      kinds[depth] = c;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--;
    } else if (c === COMMA && depth > 0) {
      // n separators = n + 1 members; the limits count members.
      const members = ++counts[depth]! + 1;
      if (kinds[depth] === OPEN_OBJECT ? members > limits.maxObjectEntries : members > limits.maxArrayElements) {
        throw badRequest(kinds[depth] === OPEN_OBJECT ? 'JSON object exceeds allowed entry count' : 'JSON array exceeds allowed element count');
      }
    }
  }
}

/** Past this many characters into a string, ASCII runs are skipped with SPECIAL (short strings: the call costs more). */
const LONG_STRING = 64;
/** What ends an ASCII run inside a string: its closing quote, an escape, or a non-ASCII unit. */
const SPECIAL = /["\\\u0080-\uffff]/g;

/** Bytes of UTF-8 for one UTF-16 code unit (each half of a pair counts 2: 4 together). */
const utf8Length = (c: number): number => (c < 0x80 ? 1 : c < 0x800 ? 2 : isHigh(c) || isLow(c) ? 2 : 3);

/**
 * Skips the string whose opening quote is at `start`; returns the index of its closing
 * quote (or the end). Checks the UTF-8 length of the string it denotes, escapes decoded
 * (Vault counts escapes as written; counting what is stored lets a value just under
 * the limit pass whatever its escaping, so other size bounds, such as a policy's, stay
 * the ones that answer), and that every `\u` escape of a surrogate is half of a pair.
 */
function scanString(text: string, start: number, maxBytes: number): number {
  let bytes = 0;
  let i = start + 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      const unit = escapedUnit(text, i);
      if (isLow(unit)) throw loneSurrogate();
      if (isHigh(unit)) {
        if (text.charCodeAt(i + 6) !== BACKSLASH || !isLow(escapedUnit(text, i + 6))) throw loneSurrogate();
        bytes += 4;
        i += 11;
      } else if (unit >= 0) {
        bytes += utf8Length(unit);
        i += 5;
      } else {
        // \n, \", \\ and the like: one byte.
        bytes += 1;
        i += 1;
      }
    } else if (c < 0x80 && i - start > LONG_STRING) {
      // Deep in a long string: the regexp engine finds the end of this ASCII run many
      // times faster than this loop (a 30 MiB value took ~200 ms here, char by char).
      SPECIAL.lastIndex = i;
      const next = SPECIAL.exec(text)?.index ?? text.length;
      bytes += next - i;
      i = next - 1;
    } else {
      // The decoded text is well-formed (checked as UTF-8 first): a high surrogate here
      // is always followed by its low half.
      bytes += utf8Length(c);
    }
    if (bytes > maxBytes) throw badRequest('JSON string value exceeds allowed length');
  }
  return i;
}

const loneSurrogate = () => badRequest('failed to parse JSON input: string contains an unpaired UTF-16 surrogate escape');

/** Per-container state of the scan, reused across requests and grown to the deepest seen. */
class Stack {
  counts: Int32Array = new Int32Array(64);
  kinds: Uint8Array = new Uint8Array(64);

  grow(): { counts: Int32Array; kinds: Uint8Array } {
    const counts = new Int32Array(this.counts.length * 2);
    const kinds = new Uint8Array(this.kinds.length * 2);
    counts.set(this.counts);
    kinds.set(this.kinds);
    this.counts = counts;
    this.kinds = kinds;
    return { counts, kinds };
  }
}

/** Checks JSON bodies of one listener against its limits. */
export class JsonGuard {
  private readonly stack = new Stack();

  constructor(readonly limits: JsonLimits = DEFAULT_JSON_LIMITS) {
    for (const [k, v] of Object.entries(limits)) {
      if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`JSON limit ${k} must be a positive integer`);
    }
  }

  /** `body` as UTF-8 JSON text, within the limits, parsed; 400 otherwise. */
  parse(body: Buffer): unknown {
    const text = utf8Text(body, 'failed to parse JSON input: invalid UTF-8');
    scanJson(text, this.limits, this.stack);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw badRequest(`failed to parse JSON input: ${e instanceof Error ? e.message : 'invalid JSON'}`);
    }
  }
}

/** `body` decoded as UTF-8; 400 with `message` when it is not valid UTF-8. */
export function utf8Text(body: Buffer, message: string): string {
  if (!isUtf8(body)) throw badRequest(message);
  return body.toString('utf8');
}

/** A percent-escape of a byte outside ASCII: only these can decode to invalid UTF-8. */
const HIGH_ESCAPE = /%[89a-fA-F][0-9a-fA-F]/;

/**
 * Throws 400 when the percent-escapes in `raw` (a query or form body) do not decode as
 * UTF-8: URLSearchParams would replace those bytes with U+FFFD, changing the value.
 */
export function checkPercentEncoding(raw: string, what: string): void {
  if (!HIGH_ESCAPE.test(raw)) return;
  const bytes = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes[n++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    // Outside escapes the text is ASCII (llhttp refuses other bytes in a request target);
    // a form body may hold raw UTF-8, checked as a whole before this.
    bytes[n++] = c < 0x80 ? c : 0x3f;
  }
  if (!isUtf8(bytes.subarray(0, n))) throw badRequest(`invalid percent-encoding in ${what}: not UTF-8`);
}

/** The query of a request target as parameters, after the encoding check. */
export function queryParams(raw: string): URLSearchParams {
  checkPercentEncoding(raw, 'query string');
  return new URLSearchParams(raw);
}

/** A url-encoded form body as parameters (the body text is already valid UTF-8). */
export function formBody(text: string): URLSearchParams {
  checkPercentEncoding(text, 'form body');
  return new URLSearchParams(text);
}

/**
 * The request path, percent-decoded. decodeURIComponent refuses escapes that are not
 * UTF-8 (lone surrogates included); llhttp refuses raw bytes outside ASCII.
 */
export function decodePath(rawPath: string): string {
  if (!rawPath.includes('%')) return rawPath;
  try {
    return decodeURIComponent(rawPath);
  } catch {
    throw badRequest('invalid URL escape in request path');
  }
}
