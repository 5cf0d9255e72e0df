/** The identity objects as Vault's API renders them (snake_case, every key present). */
import { entityGroups, parentGroupIds, type GroupSource } from './membership.js';
import type { Entity, EntityAlias, Group, GroupAlias, MountInfo } from './types.js';

export type MountLookup = (accessor: string) => MountInfo | undefined;

export function aliasView(a: EntityAlias, mounts: MountLookup): Record<string, unknown> {
  const m = mounts(a.mountAccessor);
  return {
    id: a.id,
    canonical_id: a.canonicalId,
    mount_accessor: a.mountAccessor,
    mount_path: m?.path ?? '',
    mount_type: m?.type ?? '',
    name: a.name,
    metadata: { ...a.metadata },
    custom_metadata: { ...a.customMetadata },
    creation_time: a.creationTime,
    last_update_time: a.lastUpdateTime,
    merged_from_canonical_ids: a.mergedFromCanonicalIds.length > 0 ? [...a.mergedFromCanonicalIds] : null,
    local: false,
    namespace_id: 'root',
  };
}

export function entityView(e: Entity, groups: GroupSource, mounts: MountLookup): Record<string, unknown> {
  const g = entityGroups(groups, e.id);
  return {
    id: e.id,
    name: e.name,
    metadata: { ...e.metadata },
    policies: [...e.policies],
    disabled: e.disabled,
    aliases: e.aliases.map((a) => aliasView(a, mounts)),
    creation_time: e.creationTime,
    last_update_time: e.lastUpdateTime,
    direct_group_ids: g.direct,
    group_ids: g.all,
    inherited_group_ids: g.inherited,
    merged_entity_ids: e.mergedEntityIds.length > 0 ? [...e.mergedEntityIds] : null,
    namespace_id: 'root',
    bucket_key_hash: '',
    mfa_secrets: {},
  };
}

export function groupAliasView(a: GroupAlias, mounts: MountLookup): Record<string, unknown> {
  const m = mounts(a.mountAccessor);
  return {
    id: a.id,
    canonical_id: a.canonicalId,
    mount_accessor: a.mountAccessor,
    mount_path: m?.path ?? '',
    mount_type: m?.type ?? '',
    name: a.name,
    metadata: {},
    creation_time: a.creationTime,
    last_update_time: a.lastUpdateTime,
    merged_from_canonical_ids: null,
  };
}

export function groupView(g: Group, groups: GroupSource, mounts: MountLookup): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    type: g.type,
    metadata: { ...g.metadata },
    policies: [...g.policies],
    member_entity_ids: [...g.memberEntityIds],
    member_group_ids: [...g.memberGroupIds],
    parent_group_ids: parentGroupIds(groups, g.id),
    alias: g.alias ? groupAliasView(g.alias, mounts) : {},
    creation_time: g.creationTime,
    last_update_time: g.lastUpdateTime,
    modify_index: g.modifyIndex,
    namespace_id: 'root',
  };
}
