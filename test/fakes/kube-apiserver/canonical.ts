/**
 * JSON with object keys sorted, for comparing objects the way the API server compares
 * decoded structs: clients re-serialise objects in their own key order, which must not
 * count as a change.
 */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x);
}
