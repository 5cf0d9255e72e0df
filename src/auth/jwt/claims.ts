/**
 * Pure claim logic of the JWT/OIDC method, with Vault's semantics and error texts
 * (hashicorp/cap's validator and the plugin's bound-claim rules): registered-claim
 * checks with leeways, bound claims (strings, lists, globs), claim → metadata mappings
 * and JSON-pointer claim lookup. Nothing here does I/O, so it is tested by tables.
 */
import { globMatch } from '../../lib/glob.js';

export type Claims = Record<string, unknown>;

export interface ExpectedClaims {
  issuer: string;
  subject: string;
  audiences: string[];
  /** Seconds; 0 = the default (60 s for skew, 150 s otherwise), negative = none. */
  clockSkewLeeway: number;
  expirationLeeway: number;
  notBeforeLeeway: number;
  nowSeconds: number;
}

const DEFAULT_LEEWAY = 150;
const DEFAULT_SKEW = 60;

const leeway = (v: number, dflt: number): number => (v < 0 ? 0 : v === 0 ? dflt : v);

/** A claim by top-level name, or by RFC 6901 JSON pointer when the name starts with "/". */
export function getClaim(claims: Claims, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let at: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

const audiences = (aud: unknown): string[] =>
  typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];

/** iss, sub, aud, then nbf/exp/iat, in the validator's order and with its texts. */
export function checkRegisteredClaims(c: Claims, e: ExpectedClaims): void {
  let iat = num(c['iat']);
  let exp = num(c['exp']);
  let nbf = num(c['nbf']);
  if (iat === 0 && exp === 0 && nbf === 0) throw new Error('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
  // Missing times are derived from the others, so a token with only `iat` still expires.
  if (exp === 0) exp = Math.max(iat, nbf) + leeway(e.expirationLeeway, DEFAULT_LEEWAY);
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - leeway(e.notBeforeLeeway, DEFAULT_LEEWAY);
  const skew = leeway(e.clockSkewLeeway, DEFAULT_SKEW);
  if (e.issuer !== '' && c['iss'] !== e.issuer) throw new Error('invalid issuer (iss) claim');
  if (e.subject !== '' && c['sub'] !== e.subject) throw new Error('invalid subject (sub) claim');
  if (e.audiences.length > 0) {
    const have = audiences(c['aud']);
    if (!e.audiences.some((a) => have.includes(a))) throw new Error('invalid audience (aud) claim: audience claim does not match any expected audience');
  }
  if (e.nowSeconds + skew < nbf) throw new Error('invalid not before (nbf) claim: token not yet valid');
  if (e.nowSeconds - skew > exp) throw new Error('invalid expiration time (exp) claim: token is expired');
  if (iat !== 0 && e.nowSeconds + skew < iat) throw new Error('invalid issued at (iat) claim: token issued in the future');
}

/** True when the JWT's `aud` claim names at least one audience. */
export const hasAudience = (c: Claims): boolean => audiences(c['aud']).some((a) => a !== '');

/** A scalar claim as text; lists become lists; anything else is null. */
function asList(v: unknown): string[] | null {
  const scalar = (x: unknown): string | null =>
    typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : null;
  if (Array.isArray(v)) {
    const out = v.map(scalar);
    return out.every((x) => x !== null) ? (out as string[]) : null;
  }
  const s = scalar(v);
  return s === null ? null : [s];
}

/** Every bound claim must match: one of its values equals (or glob-matches) one of the claim's. */
export function checkBoundClaims(type: 'string' | 'glob', bound: Record<string, unknown>, c: Claims): void {
  for (const [name, want] of Object.entries(bound)) {
    const actual = getClaim(c, name);
    if (actual === undefined || actual === null) throw new Error(`claim "${name}" is missing`);
    const have = asList(actual);
    if (have === null) throw new Error(`received claim is not a string or list: ${JSON.stringify(actual)}`);
    const expected = asList(want);
    if (expected === null) throw new Error(`bound claim is not a string or list: ${JSON.stringify(want)}`);
    const match = (pattern: string, value: string): boolean => (type === 'glob' ? globMatch(pattern, value) : pattern === value);
    if (!expected.some((p) => have.some((v) => match(p, v)))) throw new Error(`claim "${name}" does not match any associated bound claim values`);
  }
}

/** claim_mappings: source claim (name or pointer) → metadata key; missing claims are skipped. */
export function extractMetadata(c: Claims, mappings: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [source, target] of Object.entries(mappings)) {
    const v = getClaim(c, source);
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') out[target] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[target] = String(v);
    else throw new Error(`error converting claim '${source}' to string`);
  }
  return out;
}
