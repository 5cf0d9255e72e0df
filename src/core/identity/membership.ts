/**
 * Group membership as Vault derives it: an entity's direct groups name it in
 * `member_entity_ids`; its inherited groups are every group that has one of those as a
 * member group, transitively. Parents are found by scanning: group counts are small and
 * the results that run per request (effective policies) are memoised by the caller.
 */
import type { Group } from './types.js';

export interface GroupSource {
  group(id: string): Group | undefined;
  allGroups(): Group[];
}

export function parentGroupIds(src: GroupSource, groupId: string): string[] {
  return src.allGroups().filter((g) => g.memberGroupIds.includes(groupId)).map((g) => g.id).sort();
}

export function directGroupIds(src: GroupSource, entityId: string): string[] {
  return src.allGroups().filter((g) => g.memberEntityIds.includes(entityId)).map((g) => g.id).sort();
}

/** Direct groups, groups inherited through them (excluding the direct ones), and both. */
export function entityGroups(src: GroupSource, entityId: string): { direct: string[]; inherited: string[]; all: string[] } {
  const direct = directGroupIds(src, entityId);
  const seen = new Set(direct);
  const queue = [...direct];
  const inherited: string[] = [];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const p of parentGroupIds(src, id)) {
      if (seen.has(p)) continue;
      seen.add(p);
      inherited.push(p);
      queue.push(p);
    }
  }
  inherited.sort();
  // Vault lists the direct groups first, then the inherited ones.
  return { direct, inherited, all: [...direct, ...inherited] };
}

/**
 * True when making `memberId` a member group of `groupId` would close a cycle: `groupId`
 * is `memberId` itself or reachable from it through member groups.
 */
export function createsCycle(src: GroupSource, groupId: string, memberId: string): boolean {
  const seen = new Set<string>();
  const stack = [memberId];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === groupId) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(src.group(id)?.memberGroupIds ?? []));
  }
  return false;
}

/** The entity's own policies and those of every group it belongs to, directly or inherited. */
export function identityPolicies(src: GroupSource, entity: { id: string; policies: string[] }): string[] {
  const out = new Set(entity.policies);
  for (const id of entityGroups(src, entity.id).all) for (const p of src.group(id)?.policies ?? []) out.add(p);
  return [...out].sort();
}
