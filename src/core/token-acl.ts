/**
 * A token's ACL as requests see it: its own policies plus what its entity and groups add
 * (identity policies, template values), waiting for a standby's identity reloads first.
 */
import type { ACL } from './policy/acl.js';
import type { PolicyStore } from './policy/policy-store.js';
import type { EffectiveIdentity, TokenIdentity } from './identity/effective.js';
import type { IdentityStore } from './identity/store.js';
import type { TokenEntry } from './tokens/types.js';

export interface TokenAcls {
  /** What a token's entity adds; null without one. */
  identityOf(entry: TokenEntry): TokenIdentity | null | Promise<TokenIdentity | null>;
  /** A token's ACL with its identity policies and templates: what the pipeline would apply. */
  aclOfEntry(entry: TokenEntry): Promise<ACL>;
}

export function tokenAcls(identityStore: IdentityStore, effective: EffectiveIdentity, policies: PolicyStore): TokenAcls {
  const identityOf = (entry: TokenEntry): TokenIdentity | null | Promise<TokenIdentity | null> => {
    if (entry.entityId === '') return null;
    const pending = identityStore.pending;
    if (pending) return pending.then(() => effective.forToken(entry.entityId, entry.policies));
    return effective.forToken(entry.entityId, entry.policies);
  };
  const aclOfEntry = async (entry: TokenEntry): Promise<ACL> => {
    const ti = await identityOf(entry);
    return ti ? policies.acl(ti.policies, ti) : policies.acl(entry.policies);
  };
  return { identityOf, aclOfEntry };
}
