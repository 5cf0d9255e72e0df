/**
 * Which client a token counts as (Vault's TokenEntry.CreateClientID): its entity, or for
 * a token without one, a non-entity client derived from its sorted policies and
 * namespace, so every token with the same policies is one client. Root tokens and
 * response-wrapping tokens are not clients, as in Vault.
 */
import { createHash } from 'node:crypto';
import type { TokenEntry } from '../tokens/types.js';
import { WRAPPING_POLICY } from '../wrapping/wrapper.js';

export interface Client {
  id: string;
  /** True for a token without an entity. */
  nonEntity: boolean;
}

/** Ward has only Vault's root namespace. */
export const ROOT_NAMESPACE_ID = 'root';

/** The non-entity client id: base64(sha256(".p1.p2…#namespace" without the leading ".")), Vault's formula. */
export function nonEntityClientId(policies: readonly string[], namespaceId = ROOT_NAMESPACE_ID): string {
  let input = '';
  for (const p of [...policies].sort()) input += `.${p}`;
  input = `${input}#${namespaceId}`.slice(1);
  return createHash('sha256').update(input).digest('base64');
}

/** Token entries stay the same object while cached, so each is hashed once, not on every request. */
const memo = new WeakMap<TokenEntry, Client | null>();

/**
 * Batch tokens are decoded afresh on every request (a new entry each time), so their
 * non-entity ids are also kept by policy set: a join and a Map lookup instead of a hash.
 * Bounded: emptied when full (distinct policy sets are few in practice).
 */
const byPolicies = new Map<string, Client>();
const BY_POLICIES_MAX = 1024;

function nonEntityClient(policies: readonly string[]): Client {
  const key = policies.join('\u0000');
  let c = byPolicies.get(key);
  if (c === undefined) {
    if (byPolicies.size >= BY_POLICIES_MAX) byPolicies.clear();
    c = { id: nonEntityClientId(policies), nonEntity: true };
    byPolicies.set(key, c);
  }
  return c;
}

export function clientOf(entry: TokenEntry): Client | null {
  let c = memo.get(entry);
  if (c !== undefined) return c;
  if (entry.policies.includes('root') || (entry.policies.length === 1 && entry.policies[0] === WRAPPING_POLICY)) c = null;
  else if (entry.entityId !== '') c = { id: entry.entityId, nonEntity: false };
  else c = nonEntityClient(entry.policies);
  memo.set(entry, c);
  return c;
}
