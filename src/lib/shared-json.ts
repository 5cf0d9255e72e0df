/**
 * JSON.stringify for values that cannot change. A frozen object (backends hand out
 * deep-frozen shared records; see LogicalResponse.data) is serialised once and its text
 * reused for as long as the object lives; anything else is serialised every time.
 */
const texts = new WeakMap<object, string>();

export function stringifyShared(v: unknown): string {
  if (typeof v !== 'object' || v === null || !Object.isFrozen(v)) return JSON.stringify(v);
  let text = texts.get(v);
  if (text === undefined) {
    text = JSON.stringify(v);
    texts.set(v, text);
  }
  return text;
}
