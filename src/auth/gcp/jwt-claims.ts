/**
 * The claim checks Vault's gcp method makes on a service-account JWT once its signature
 * holds (validateBaseJWTClaims and the iam role's max_jwt_exp), with Vault's texts. Pure:
 * the caller supplies the time.
 */
import type { JWTPayload } from 'jose';

/** Vault tolerates a minute of clock skew on `exp`. */
const EXP_TOLERANCE_S = 60;
/** No service-account JWT may live longer than an hour (plus the tolerance). */
export const MAX_JWT_EXP_LIMIT_S = 3600;

export class ClaimError extends Error {}

export interface ServiceAccountClaims {
  /** The `sub`: the service account's email or numeric unique ID. */
  subject: string;
  email: string;
  uniqueId: string;
  exp: number;
}

const audiences = (aud: JWTPayload['aud']): string[] => (aud === undefined ? [] : Array.isArray(aud) ? aud : [aud]);

export function checkClaims(p: JWTPayload, roleName: string, nowS: number): ServiceAccountClaims {
  const exp = typeof p.exp === 'number' ? p.exp : 0;
  if (exp === 0 || exp < nowS - EXP_TOLERANCE_S) throw new ClaimError("JWT is expired or does not have proper 'exp' claim");
  const expIn = exp - nowS;
  if (expIn > MAX_JWT_EXP_LIMIT_S + EXP_TOLERANCE_S) throw new ClaimError(`JWT must expire in ${MAX_JWT_EXP_LIMIT_S / 60} minutes, expires in ${goDuration(expIn)}`);
  const sub = typeof p.sub === 'string' ? p.sub : '';
  if (sub === '') throw new ClaimError("expected JWT to have 'sub' claim with service account id or email");
  const suffix = `vault/${roleName}`;
  for (const aud of audiences(p.aud)) {
    if (!aud.endsWith(suffix)) throw new ClaimError(`at least one of the JWT claim 'aud' must end in "${suffix}"`);
  }
  const emailClaim = typeof p['email'] === 'string' ? (p['email'] as string) : '';
  const email = emailClaim !== '' ? emailClaim : sub.includes('@') ? sub : '';
  const uniqueId = /^\d+$/.test(sub) ? sub : '';
  return { subject: sub, email, uniqueId, exp };
}

/** Go's Duration.String for whole seconds, e.g. 1h30m0s. */
function goDuration(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
}

/** `<name>@<project>.iam.gserviceaccount.com` names its project; other accounts do not. */
export function projectOf(email: string): string {
  const m = /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email);
  return m?.[1] ?? '';
}
