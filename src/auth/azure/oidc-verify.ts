/**
 * Verifies a managed-identity access token as Vault's azure method does with go-oidc:
 * discovery at `<issuer>/.well-known/openid-configuration` (its issuer must be the one asked
 * for; fetched once per issuer, as Vault builds its provider once per config), the signature
 * against the published JWKS (fetched again on an unknown kid, concurrent logins sharing
 * one fetch; a fetch that did not bring the kid stops refetches for an interval, see
 * lib/refetch-gate.ts: made-up kids must not turn into requests to the tenant), then
 * `iss`, `aud` = the configured resource, and expiry. Texts follow go-oidc's.
 */
import { RefetchGate } from '../../lib/refetch-gate.js';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors, type JSONWebKeySet, type JWTPayload } from 'jose';

export class VerifyError extends Error {}

interface Discovery {
  issuer: string;
  jwks_uri: string;
}

async function getJson<T>(url: string, timeoutMs: number, what: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new VerifyError(`unable to fetch ${what} from ${url}: ${(e as Error).name === 'TimeoutError' ? 'no answer in time' : (e as Error).message}`);
  }
  if (res.status !== 200) throw new VerifyError(`unable to fetch ${what} from ${url}: ${res.status}`);
  try {
    return (await res.json()) as T;
  } catch {
    throw new VerifyError(`unable to fetch ${what} from ${url}: not JSON`);
  }
}

/** Remembers JWKS per jwks_uri so a login costs no fetch until a new kid appears. */
const jwksCache = new Map<string, JSONWebKeySet>();
/** Discovery documents per issuer (only ones whose issuer matched). */
const discoveryCache = new Map<string, Discovery>();
/** Unknown kids whose refetch found nothing, per jwks_uri (lib/refetch-gate.ts). */
const refetches = new RefetchGate();
/** Key fetches in flight per jwks_uri: concurrent logins share one. */
const inflight = new Map<string, Promise<JSONWebKeySet>>();

function fetchKeys(uri: string, timeoutMs: number): Promise<JSONWebKeySet> {
  let p = inflight.get(uri);
  if (!p) {
    p = getJson<JSONWebKeySet>(uri, timeoutMs, 'keys')
      .then((jwks) => {
        jwksCache.set(uri, jwks);
        return jwks;
      })
      .finally(() => inflight.delete(uri));
    inflight.set(uri, p);
  }
  return p;
}

async function discovery(issuer: string, timeoutMs: number): Promise<Discovery> {
  const known = discoveryCache.get(issuer);
  if (known) return known;
  const disc = await getJson<Discovery>(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, timeoutMs, 'OIDC discovery');
  if (disc.issuer !== issuer) throw new VerifyError(`oidc: issuer did not match the issuer returned by provider, expected "${issuer}" got "${disc.issuer}"`);
  discoveryCache.set(issuer, disc);
  return disc;
}

export async function verifyToken(jwt: string, o: { issuer: string; audience: string; nowS: number; timeoutMs: number }): Promise<JWTPayload> {
  const disc = await discovery(o.issuer, o.timeoutMs);
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(jwt).kid;
  } catch (e) {
    throw new VerifyError(`oidc: malformed jwt: ${(e as Error).message}`);
  }
  const uri = disc.jwks_uri;
  // A document without a keys list holds no kid; jose refuses it below as an invalid key set.
  const has = (set: JSONWebKeySet): boolean => kid === undefined || (Array.isArray(set.keys) && set.keys.some((k) => k.kid === kid));
  let jwks = jwksCache.get(uri) ?? (await fetchKeys(uri, o.timeoutMs));
  if (!has(jwks)) {
    const pending = inflight.get(uri);
    const now = o.nowS * 1000;
    if (pending) {
      jwks = await pending;
    } else if (refetches.allowed(uri, now)) {
      // Closed while this refetch runs; reopened if it brings the kid (a rotation).
      refetches.missed(uri, now);
      jwks = await fetchKeys(uri, o.timeoutMs);
      if (has(jwks)) refetches.found(uri);
    }
  }
  let payload: JWTPayload;
  try {
    const r = await compactVerify(jwt, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
    payload = JSON.parse(new TextDecoder().decode(r.payload)) as JWTPayload;
  } catch (e) {
    if (e instanceof errors.JWSInvalid || e instanceof errors.JOSEError) throw new VerifyError(`failed to verify signature: ${e.message}`);
    throw e;
  }
  if (payload.iss !== o.issuer) throw new VerifyError(`oidc: id token issued by a different provider, expected "${o.issuer}" got "${String(payload.iss)}"`);
  const auds = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!auds.includes(o.audience)) throw new VerifyError(`oidc: expected audience "${o.audience}" got ${JSON.stringify(auds)}`);
  if (typeof payload.exp !== 'number' || payload.exp < o.nowS) {
    throw new VerifyError(`oidc: token is expired (Token Expiry: ${typeof payload.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : 'unset'})`);
  }
  if (typeof payload.nbf === 'number' && payload.nbf > o.nowS + 300) throw new VerifyError('oidc: current time is before the nbf (not before) time');
  return payload;
}
