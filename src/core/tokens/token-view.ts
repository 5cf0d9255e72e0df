/** The wire shapes of a token: the `auth` block (§1.3) and the lookup data (§3.1). */
import { rfc3339 } from '../../lib/clock.js';
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
