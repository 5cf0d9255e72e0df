/**
 * Building JSON as text on hot paths (the HTTP envelope, audit records), where a
 * generic JSON.stringify over a fresh object cost more than the rest of the response.
 */

/**
 * True for printable ASCII without `"` and `\`: such a string is its own JSON literal
 * between quotes. A loop rather than a regular expression: the strings are short
 * (ids, paths, addresses), and the regexp call cost more than the scan in profiles.
 */
function isPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** The JSON string literal for `s`; the common plain-ASCII case skips JSON.stringify. */
export function quote(s: string): string {
  return isPlain(s) ? `"${s}"` : JSON.stringify(s);
}

const texts = new WeakMap<object, string>();

/**
 * JSON.stringify for values that cannot change. A frozen object (backends hand out
 * deep-frozen shared records; see LogicalResponse.data) is serialised once and its text
 * reused for as long as the object lives; anything else is serialised every time.
 */
export function stringifyShared(v: unknown): string {
  if (typeof v !== 'object' || v === null || !Object.isFrozen(v)) return JSON.stringify(v);
  let text = texts.get(v);
  if (text === undefined) {
    text = JSON.stringify(v);
    texts.set(v, text);
  }
  return text;
}

/**
 * `s`, with V8 told to make it one contiguous string now. Text built with `+` is a tree
 * of pieces; text kept for reuse (memoised record parts) would otherwise have its tree
 * walked, piece by scattered piece, every time it is copied into a record. Converting
 * to a number needs the characters in one place, and V8 flattens the string in place
 * to get them; the value itself is unchanged.
 */
export function flat(s: string): string {
  void Number(s);
  return s;
}

