/**
 * The lifecycle of one cached Ward token (VSO's client cache entry), as pure decisions: use it
 * until 2/3 of its TTL, then renew it with `auth/token/renew-self` while it is renewable, and
 * log in again when it is not, when a renewal came back shorter than the TTL asked for (the
 * token's max TTL is near), or in the last second (or tenth) before it expires. What the operator
 * persists (encrypted) for a restart is exactly a CachedToken.
 */

export interface CachedToken {
  token: string;
  accessor: string;
  renewable: boolean;
  /** The TTL at the last login or renewal; 0: the token does not expire. */
  ttlMs: number;
  /** When it was obtained or last renewed (epoch ms). */
  refreshedAt: number;
}

export type TokenAction = 'use' | 'renew' | 'login';

export const RENEW_FRACTION = 2 / 3;
const EXPIRY_MARGIN_MS = 1000;

/** When the token should be renewed (or replaced); undefined for a token without TTL. */
export function renewDueAt(t: CachedToken): number | undefined {
  return t.ttlMs > 0 ? t.refreshedAt + Math.floor(t.ttlMs * RENEW_FRACTION) : undefined;
}

export function tokenAction(t: CachedToken, now: number): TokenAction {
  const due = renewDueAt(t);
  if (due === undefined) return 'use';
  // The last second (a tenth for short TTLs) is too close to expiry to rely on a renewal.
  if (now >= t.refreshedAt + t.ttlMs - Math.min(EXPIRY_MARGIN_MS, t.ttlMs / 10)) return 'login';
  if (now < due) return 'use';
  return t.renewable ? 'renew' : 'login';
}

type AuthBlock = { client_token?: unknown; accessor?: unknown; lease_duration?: unknown; renewable?: unknown };

/** A login answer's `auth` as a cache entry. */
export function fromAuth(auth: AuthBlock, now: number): CachedToken {
  if (typeof auth.client_token !== 'string' || auth.client_token === '') throw new Error('login returned no client token');
  const ttl = typeof auth.lease_duration === 'number' && auth.lease_duration > 0 ? auth.lease_duration : 0;
  return { token: auth.client_token, accessor: typeof auth.accessor === 'string' ? auth.accessor : '', renewable: auth.renewable === true, ttlMs: ttl * 1000, refreshedAt: now };
}

/** The entry after `renew-self` answered with `auth`. */
export function afterRenewal(t: CachedToken, auth: AuthBlock, now: number): CachedToken {
  const ttlMs = typeof auth.lease_duration === 'number' && auth.lease_duration > 0 ? auth.lease_duration * 1000 : 0;
  // Shorter than before: capped by the token's max TTL; the next due time logs in instead.
  const capped = ttlMs < t.ttlMs;
  return { ...t, ttlMs, refreshedAt: now, renewable: auth.renewable === true && !capped };
}
