/**
 * The headers of a backend's raw response. As Vault's HTTP layer, only Cache-Control,
 * Pragma and WWW-Authenticate may come from a backend (OAuth/OIDC endpoints need them);
 * everything else — Content-Length, Connection, Transfer-Encoding, Set-Cookie, … — is the
 * HTTP layer's, so a backend setting it would corrupt framing or sessions: an allow-list,
 * not a deny-list, so a header added later is refused until someone decides otherwise.
 */

/** Lower-case name → the spelling written on the wire. */
const ALLOWED = new Map([
  ['cache-control', 'Cache-Control'],
  ['pragma', 'Pragma'],
  ['www-authenticate', 'WWW-Authenticate'],
]);

/** Visible ASCII, space and tab only: a CR or LF would split the response (and node would throw). */
const SAFE_VALUE = /^[\t\x20-\x7e]*$/;

/** Header pairs for a raw response: its Content-Type, Cache-Control (no-store unless the backend set one), then the allowed extras. */
export function rawResponseHeaders(contentType: string, headers: Record<string, string> | undefined): string[] {
  const extra = new Map<string, string>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    const wire = ALLOWED.get(name.toLowerCase());
    if (wire !== undefined && typeof value === 'string' && SAFE_VALUE.test(value)) extra.set(wire, value);
  }
  const out = ['Content-Type', contentType, 'Cache-Control', extra.get('Cache-Control') ?? 'no-store'];
  extra.delete('Cache-Control');
  for (const [name, value] of extra) out.push(name, value);
  return out;
}
