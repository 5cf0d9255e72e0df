/**
 * Choosing the issuer that signs a request and the lifetime it may give: the issuer must
 * be usable for issuance (usage, key, not revoked), carries its current ca_chain, and its
 * leaf_not_after_behavior decides what happens when a certificate would outlive it.
 */
import { badRequest } from '../../sdk/errors.js';
import type { Storage } from '../../sdk/storage.js';
import { withChain } from './chain.js';
import { resolveNotAfter, type LifetimeInput } from './issuance.js';
import { assertCanIssue, leafBehaviorOf, resolveIssuer } from './registry.js';
import type { Issuer } from './store.js';

/** The issuer `ref` names, checked for issuance and with its chain attached. */
export async function issuerForSigning(s: Storage, ref: string): Promise<Issuer> {
  const issuer = await resolveIssuer(s, ref);
  assertCanIssue(issuer);
  return withChain(s, issuer);
}

/** Go's RFC3339Nano: fractional seconds only when non-zero, trailing zeros trimmed. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

/** notAfter for a certificate `issuer` signs, honouring its leaf_not_after_behavior. */
export function lifetimeFor(issuer: Issuer, input: Omit<LifetimeInput, 'issuerNotAfter'>): { notAfter: number; warnings: string[] } {
  const behavior = leafBehaviorOf(issuer);
  if (behavior === 'truncate') return resolveNotAfter({ ...input, issuerNotAfter: issuer.notAfter });
  const r = resolveNotAfter(input);
  if (behavior === 'err' && r.notAfter > issuer.notAfter) {
    throw badRequest(
      `cannot satisfy request, as TTL would result in notAfter of ${rfc3339Nano(r.notAfter)} that is beyond the expiration of the CA certificate at ${rfc3339Nano(issuer.notAfter)}`,
    );
  }
  return r;
}
