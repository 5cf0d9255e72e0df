/**
 * JSON Merge Patch (RFC 7386): objects merge key by key, a null removes the key, and
 * anything else (arrays included) replaces the target value wholesale. Mutates and
 * returns `target` when it is an object. Keys such as "__proto__" (legal in parsed JSON)
 * are handled as plain own properties, never as the prototype.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete out[k];
      continue;
    }
    const current = Object.hasOwn(out, k) ? out[k] : undefined;
    Object.defineProperty(out, k, { value: mergePatch(current, v), writable: true, enumerable: true, configurable: true });
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
