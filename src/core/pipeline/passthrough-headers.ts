/**
 * Which request headers reach a backend. As in Vault, only the names a mount lists in
 * `passthrough_request_headers`; the header that carried the client token never
 * arrives here (the HTTP layer drops it). Most mounts list none, and they all share
 * one frozen empty map, so the common request builds nothing.
 */
const NO_HEADERS: Readonly<Record<string, string | string[]>> = Object.freeze({});

/** `raw` is name/value pairs in wire order; keys come out in lower case, repeats as a list. */
export function passthroughHeaders(raw: readonly string[], allowed: readonly string[]): Record<string, string | string[]> {
  if (allowed.length === 0) return NO_HEADERS;
  const wanted = new Set(allowed.map((n) => n.toLowerCase()));
  const out = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!wanted.has(name)) continue;
    const value = raw[i + 1]!;
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
