/**
 * Local checks on a service-account JWT before it is sent to TokenReview: parse, optional
 * signature check against `pem_keys`, issuer, audience and lifetime, then the service
 * account it names. Every failure is a 403 whose text never includes the token.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { WardError } from '../../sdk/errors.js';
import { parsePemKeys } from './path-config.js';

/** The service account a JWT claims to be. */
export interface ServiceAccountClaims {
  name: string;
  namespace: string;
  uid: string;
  /** Legacy secret-based tokens only; "" for projected tokens. */
  secretName: string;
  /** The `aud` claim as a list ([] when absent). */
  audiences: string[];
}

export interface JwtCheckOptions {
  pemKeys: readonly string[];
  issuer: string;
  disableIssValidation: boolean;
  /** The role's audience; "" = not checked. */
  audience: string;
  nowMs: number;
}

/** Issuer of legacy secret-based tokens, expected when issuer validation is on and none is configured. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** Clock skew tolerated on `exp`/`nbf`; the API server's own review stays the authority. */
const LEEWAY_SECONDS = 60;

const denied = (detail: string): WardError => new WardError('permission_denied', ['permission denied', detail]);

const asString = (v: unknown): string => (typeof v === 'string' ? v : '');
const asRecord = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export function audiencesOf(p: JWTPayload): string[] {
  if (typeof p.aud === 'string') return [p.aud];
  return Array.isArray(p.aud) ? p.aud.filter((a): a is string => typeof a === 'string') : [];
}

/** Projected tokens nest the identity under `kubernetes.io`; legacy secret tokens use flat claims. */
export function serviceAccountOf(p: JWTPayload): Omit<ServiceAccountClaims, 'audiences'> {
  const k8s = asRecord(p['kubernetes.io']);
  if (Object.keys(k8s).length > 0) {
    const sa = asRecord(k8s['serviceaccount']);
    return {
      namespace: asString(k8s['namespace']),
      name: asString(sa['name']),
      uid: asString(sa['uid']),
      secretName: asString(asRecord(k8s['secret'])['name']),
    };
  }
  return {
    namespace: asString(p['kubernetes.io/serviceaccount/namespace']),
    name: asString(p['kubernetes.io/serviceaccount/service-account.name']),
    uid: asString(p['kubernetes.io/serviceaccount/service-account.uid']),
    secretName: asString(p['kubernetes.io/serviceaccount/secret.name']),
  };
}

async function verifySignature(jwt: string, pemKeys: readonly string[]): Promise<void> {
  for (const pem of pemKeys) {
    for (const key of parsePemKeys(pem)) {
      try {
        await compactVerify(jwt, key);
        return;
      } catch {
        // Wrong key or algorithm for this key; try the next one.
      }
    }
  }
  throw denied('JWT signature did not verify against any configured pem_keys');
}

/** Runs the local checks and returns the claimed service account. */
export async function checkServiceAccountJwt(jwt: string, o: JwtCheckOptions): Promise<ServiceAccountClaims> {
  let payload: JWTPayload;
  try {
    decodeProtectedHeader(jwt);
    payload = decodeJwt(jwt);
  } catch {
    throw denied('the jwt could not be parsed as a signed JWT');
  }
  if (o.pemKeys.length > 0) await verifySignature(jwt, o.pemKeys);

  const now = Math.floor(o.nowMs / 1000);
  if (typeof payload.exp === 'number' && payload.exp + LEEWAY_SECONDS < now) throw denied('token is expired (exp)');
  if (typeof payload.nbf === 'number' && payload.nbf - LEEWAY_SECONDS > now) throw denied('token is not valid yet (nbf)');

  if (!o.disableIssValidation) {
    const expected = o.issuer !== '' ? o.issuer : LEGACY_ISSUER;
    if (payload.iss !== expected) throw denied('invalid issuer (iss) claim');
  }
  const audiences = audiencesOf(payload);
  if (o.audience !== '' && !audiences.includes(o.audience)) {
    throw denied('invalid audience (aud) claim: audience claim does not match any expected audience');
  }
  const sa = serviceAccountOf(payload);
  if (sa.name === '' || sa.namespace === '' || sa.uid === '') {
    throw denied('the jwt does not name a service account (namespace, name and uid claims are required)');
  }
  return { ...sa, audiences };
}
