/**
 * Verifies a managed-identity access token as Vault's azure method does with go-oidc:
 * discovery at `<issuer>/.well-known/openid-configuration` (its issuer must be the one asked
 * for; fetched once per issuer, as Vault builds its provider once per config), the signature
 * against the published JWKS (fetched again on an unknown kid, at most once per
 * RefetchGate interval: made-up kids must not turn into requests to the tenant), then
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
/** Key fetches per jwks_uri: at most one per interval (lib/refetch-gate.ts). */
const keyFetches = new RefetchGate();

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
  let jwks = jwksCache.get(disc.jwks_uri);
  const unknownKid = jwks !== undefined && kid !== undefined && !jwks.keys.some((k) => k.kid === kid);
  if (!jwks || (unknownKid && keyFetches.tryFetch(disc.jwks_uri, o.nowS * 1000))) {
    jwks = await getJson<JSONWebKeySet>(disc.jwks_uri, o.timeoutMs, 'keys');
    jwksCache.set(disc.jwks_uri, jwks);
    keyFetches.fetched(disc.jwks_uri, o.nowS * 1000);
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
