/**
 * What a token's entity adds at request time: the identity policies (entity + direct and
 * inherited groups) merged into the token's own, and the data templated policy paths are
 * resolved with. Both are memoised per entity and dropped whenever the identity store's
 * generation moves, so a group policy change reaches existing tokens on their next request.
 * The merged list is a new array per (entity, generation): the policy store caches ACLs by
 * list object, so a stale list can never find a fresh ACL or the reverse.
 */
import type { TemplateIdentity } from '../policy/template.js';
import { entityGroups, identityPolicies } from './membership.js';
import type { IdentityStore } from './store.js';

export interface TokenIdentity {
  disabled: boolean;
  /** Token policies followed by identity policies, deduplicated. */
  policies: readonly string[];
  /** Identity policies alone (lookup-self's identity_policies). */
  identityPolicies: readonly string[];
  /** Names the compiled ACL this identity needs (entity and generation). */
  key: string;
  template(): TemplateIdentity;
}

interface Memo {
  disabled: boolean;
  identityPolicies: string[];
  byTokenList: WeakMap<readonly string[], string[]>;
  template?: TemplateIdentity;
}

export class EffectiveIdentity {
  private memo = new Map<string, Memo>();
  private generation = -1;

  constructor(private readonly store: IdentityStore) {}

  /** The entity's contribution for a token, or null when the entity no longer exists. */
  forToken(entityId: string, tokenPolicies: readonly string[]): TokenIdentity | null {
    const { store } = this;
    if (this.generation !== store.generation) {
      this.memo = new Map();
      this.generation = store.generation;
    }
    let m = this.memo.get(entityId);
    if (!m) {
      const e = store.entity(entityId);
      if (!e) return null;
      m = { disabled: e.disabled, identityPolicies: identityPolicies(store, e), byTokenList: new WeakMap() };
      this.memo.set(entityId, m);
    }
    let merged = m.byTokenList.get(tokenPolicies);
    if (!merged) {
      merged = [...new Set([...tokenPolicies, ...m.identityPolicies])];
      m.byTokenList.set(tokenPolicies, merged);
    }
    const memo = m;
    return {
      disabled: m.disabled,
      policies: merged,
      identityPolicies: m.identityPolicies,
      key: `${entityId}@${this.generation}`,
      template: () => (memo.template ??= this.templateOf(entityId)),
    };
  }

  private templateOf(entityId: string): TemplateIdentity {
    const e = this.store.entity(entityId);
    const groups: TemplateIdentity['groups'] = {};
    const aliases: TemplateIdentity['entity']['aliases'] = {};
    if (e) {
      for (const id of entityGroups(this.store, e.id).all) {
        const g = this.store.group(id);
        if (g) groups[id] = { name: g.name };
      }
      for (const a of e.aliases) aliases[a.mountAccessor] = { name: a.name, metadata: { ...a.metadata } };
    }
    return { entity: { id: entityId, name: e?.name ?? '', metadata: { ...(e?.metadata ?? {}) }, aliases }, groups };
  }
}
