/** The wire shapes of a token: the `auth` block (§1.3) and the lookup data (§3.1). */
import { rfc3339 } from '../../lib/clock.js';
import { deepFreeze } from '../../lib/freeze.js';
import type { TokenEntry } from './types.js';

const sorted = (l: readonly string[]): string[] => [...l].sort();
const metaOrNull = (m: Record<string, string>): Record<string, string> | null => (Object.keys(m).length === 0 ? null : { ...m });

export function authBlock(entry: TokenEntry): Record<string, unknown> {
  return {
    client_token: entry.id,
    accessor: entry.accessor,
    policies: sorted(entry.policies),
    token_policies: sorted(entry.policies),
    metadata: metaOrNull(entry.meta),
    lease_duration: entry.ttl,
    renewable: entry.renewable && entry.ttl > 0 && entry.type === 'service',
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.parent === '',
    mfa_requirement: null,
    num_uses: Math.max(0, entry.numUses),
  };
}

export function lookupData(entry: TokenEntry, now: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: Math.floor(entry.creationTime / 1000),
    creation_ttl: entry.creationTtl,
    display_name: entry.displayName,
    entity_id: entry.entityId,
    expire_time: entry.expireTime > 0 ? rfc3339(entry.expireTime) : null,
    explicit_max_ttl: entry.explicitMaxTtl,
    id: entry.id,
    issue_time: rfc3339(entry.creationTime),
    meta: metaOrNull(entry.meta),
    num_uses: Math.max(0, entry.numUses),
    orphan: entry.parent === '',
    path: entry.path,
    policies: sorted(entry.policies),
    renewable: entry.renewable && entry.ttl > 0 && entry.type === 'service',
    ttl: entry.expireTime > 0 ? Math.max(0, Math.floor((entry.expireTime - now) / 1000)) : 0,
    type: entry.type,
  };
  if (entry.role) out.role = entry.role;
  if (entry.period > 0) out.period = entry.period;
  if (entry.boundCidrs.length > 0) out.bound_cidrs = [...entry.boundCidrs];
  if (entry.lastRenewalTime > 0) {
    out.last_renewal_time = Math.floor(entry.lastRenewalTime / 1000);
    out.last_renewal = rfc3339(entry.lastRenewalTime);
  }
  return out;
}

interface LookupView {
  remaining: number;
  expireTime: number;
  numUses: number;
  lastRenewalTime: number;
  ttl: number;
  view: Record<string, unknown>;
}

const lookupViews = new WeakMap<TokenEntry, LookupView>();

/**
 * lookupData as a frozen object shared by every lookup of the same token while nothing
 * it shows has changed (the remaining TTL in whole seconds included), so the HTTP
 * envelope and the audit devices reuse its serialised and hashed text. Renewal and
 * token use change the fields checked here; everything else is fixed at creation.
 */
export function sharedLookupData(entry: TokenEntry, now: number): Record<string, unknown> {
  const remaining = entry.expireTime > 0 ? Math.max(0, Math.floor((entry.expireTime - now) / 1000)) : 0;
  const hit = lookupViews.get(entry);
  if (
    hit !== undefined &&
    hit.remaining === remaining &&
    hit.expireTime === entry.expireTime &&
    hit.numUses === entry.numUses &&
    hit.lastRenewalTime === entry.lastRenewalTime &&
    hit.ttl === entry.ttl
  ) {
    return hit.view;
  }
  const view = deepFreeze(lookupData(entry, now));
  lookupViews.set(entry, { remaining, expireTime: entry.expireTime, numUses: entry.numUses, lastRenewalTime: entry.lastRenewalTime, ttl: entry.ttl, view });
  return view;
}
