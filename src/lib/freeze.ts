/**
 * Deep-freezes plain data (JSON-shaped objects and arrays) in place and returns it. An
 * object that is already frozen is taken to be frozen all the way down: only this
 * function freezes shared records, and it never stops half way.
 */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    // for-in over JSON data (own, enumerable keys only) without allocating a values array.
    for (const k in v) {
      const x = v[k];
      if (typeof x === 'object' && x !== null) deepFreeze(x);
    }
  }
  return v;
}
