/**
 * Wire details of the OIDC provider endpoints, pure: OAuth error bodies with Vault's
 * statuses, PKCE challenges (RFC 7636), the at_hash claim, client_secret_basic parsing,
 * issuer validation, and redirect/secret comparisons.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HandlerResult } from '../../sdk/framework/path.js';

export type Endpoint = 'authorize' | 'token' | 'userinfo';

/** Vault's status per endpoint and error code (authorize: 400; token: invalid_client 401; userinfo: invalid_token 401, access_denied 403). */
export function oauthStatus(endpoint: Endpoint, code: string): number {
  if (code === 'server_error') return 500;
  if (endpoint === 'token' && code === 'invalid_client') return 401;
  if (endpoint === 'userinfo' && code === 'invalid_token') return 401;
  if (endpoint === 'userinfo' && code === 'access_denied') return 403;
  return 400;
}

/** A JSON body written as is (OAuth clients read it without Vault's envelope), with the extra headers it needs. */
export const rawJson = (body: unknown, status = 200, headers?: Record<string, string>): HandlerResult => ({
  raw: { status, contentType: 'application/json', body: JSON.stringify(body), ...(headers ? { headers } : {}) },
});

/** A quoted string as Go's %q writes it, kept to ASCII so it fits a header value. */
const quoted = (s: string): string => JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Vault's headers on a token or userinfo answer (`code` '' for success): token answers
 * are never cached (RFC 6749 §5.1) and invalid_client is a Basic challenge (§5.2);
 * userinfo's invalid_request and invalid_token are Bearer challenges (RFC 6750 §3).
 */
export function oauthHeaders(endpoint: Endpoint, code: string, description: string): Record<string, string> | undefined {
  if (endpoint === 'token') return { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...(code === 'invalid_client' ? { 'WWW-Authenticate': 'Basic' } : {}) };
  if (endpoint === 'userinfo' && (code === 'invalid_request' || code === 'invalid_token')) return { 'WWW-Authenticate': `Bearer error=${quoted(code)},error_description=${quoted(description)}` };
  return undefined;
}

/** The OAuth error response; authorize echoes `state` as Vault does. */
export function oauthError(endpoint: Endpoint, code: string, description: string, state?: string): HandlerResult {
  const body: Record<string, string> = { error: code, error_description: description };
  if (state !== undefined) body.state = state;
  return rawJson(body, oauthStatus(endpoint, code), oauthHeaders(endpoint, code, description));
}

/** Discovery documents may be cached for an hour (Vault's max-age). */
export const DISCOVERY_HEADERS = { 'Cache-Control': 'max-age=3600' };

export const CHALLENGE_METHODS = ['plain', 'S256'] as const;

/** The code_challenge a verifier yields under `method` (RFC 7636 §4.2). */
export function codeChallenge(verifier: string, method: string): string {
  return method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
}

/** Hash of the key's algorithm (EdDSA: SHA-512, as Vault), left half, base64url: at_hash and c_hash. */
export function halfHash(algorithm: string, value: string): string {
  const bits = algorithm.endsWith('384') ? 'sha384' : algorithm.endsWith('256') ? 'sha256' : 'sha512';
  const digest = createHash(bits).update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Constant-time string equality: fixed-size digests are compared, so lengths leak nothing either. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** client_secret_basic: id and secret from `Authorization: Basic`, each form-urlencoded (RFC 6749 §2.3.1). */
export function basicCredentials(header: string | string[] | undefined): { id: string; secret: string } | null {
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return null;
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: decode(text.slice(0, i)), secret: decode(text.slice(i + 1)) };
}

export const INVALID_ISSUER = 'invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)';
/** Vault's warning when an issuer is set explicitly (identity/oidc/config and providers). */
export const EXPLICIT_ISSUER_WARNING =
  'If "issuer" is set explicitly, all tokens must be validated against that address, including those issued by secondary clusters. Setting issuer to "" will restore the default behavior of using the cluster\'s api_addr as the issuer.';

/** An issuer is only scheme, host and optional port (Vault's rule for providers and identity/oidc/config). */
export function validIssuer(issuer: string): boolean {
  let u: URL;
  try {
    u = new URL(issuer);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') return false;
  // URL normalises "https://h" to pathname "/": accept only that or nothing.
  return u.host !== '' && u.pathname === '/' && !issuer.replace(/^https?:\/\//, '').includes('/');
}

/** Space-delimited scopes, deduplicated and sorted (as Vault parses `scope`). */
export const parseScopes = (scope: string): string[] => [...new Set(scope.split(' ').map((s) => s.trim()).filter((s) => s !== ''))].sort();
