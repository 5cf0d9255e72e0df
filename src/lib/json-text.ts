/**
 * Building JSON as text on hot paths (the HTTP envelope, audit records), where a
 * generic JSON.stringify over a fresh object cost more than the rest of the response.
 */

/** Printable ASCII without `"` and `\`: such a string is its own JSON literal between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The JSON string literal for `s`; the common plain-ASCII case skips JSON.stringify. */
export function quote(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
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
