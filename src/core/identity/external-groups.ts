/**
 * External group membership from a login: an auth method that reports group aliases
 * (JWT/OIDC `groups_claim`) puts the entity in every external group whose alias on that
 * mount the login names, and takes it out of the mount's external groups it no longer
 * names, so a user dropped from a group at the provider loses the group's policies at
 * the next login. Groups are never created here: as in Vault, an operator creates the
 * external group and its alias. An external group whose alias was deleted (or whose
 * mount was disabled) keeps its members until their next refresh from any mount, which
 * takes them out: Vault's rule, since no login can vouch for such a group any more.
 */
import type { Group } from './types.js';

/** The groups whose member list must change, with the new list; pure. */
export function externalMembership(groups: readonly Group[], mountAccessor: string, entityId: string, aliasNames: readonly string[]): Group[] {
  const named = new Set(aliasNames.map((n) => n.toLowerCase()));
  const changed: Group[] = [];
  for (const g of groups) {
    if (g.type !== 'external') continue;
    if (g.alias && g.alias.mountAccessor !== mountAccessor) continue;
    const want = g.alias !== null && named.has(g.alias.name.toLowerCase());
    const has = g.memberEntityIds.includes(entityId);
    if (want === has) continue;
    const memberEntityIds = want ? [...g.memberEntityIds, entityId] : g.memberEntityIds.filter((m) => m !== entityId);
    changed.push({ ...g, memberEntityIds });
  }
  return changed;
}
