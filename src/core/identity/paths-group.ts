/**
 * identity/group and identity/group-alias. Internal groups list their member entities and
 * member groups (cycles refused); an external group has at most one alias naming a group
 * reported by an auth method.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, matchAll, type HandlerResult, type PathDef } from '../../sdk/framework/path.js';
import { uuid } from '../../lib/ids.js';
import type { IdentityDeps } from './deps.js';
import { createsCycle, parentGroupIds } from './membership.js';
import type { Group, GroupAlias } from './types.js';
import { groupAliasView, groupView } from './views.js';

const groupFields = {
  name: field.string({ description: 'Name of the group' }),
  id: field.string({ description: 'ID of the group' }),
  type: field.string({ description: 'internal or external' }),
  metadata: field.kvPairs({ description: 'Metadata of the group' }),
  policies: field.commaStringSlice({ description: 'Policies of the group' }),
  member_entity_ids: field.commaStringSlice({ description: 'Member entities' }),
  member_group_ids: field.commaStringSlice({ description: 'Member groups' }),
};
type GroupData = { opt(n: keyof typeof groupFields): unknown; get(n: 'id'): string };

const uniq = (xs: string[]): string[] => [...new Set(xs.map((s) => s.trim()).filter((s) => s !== ''))];

async function upsertGroup(deps: IdentityDeps, existing: Group | undefined, d: GroupData, nameOverride?: string): Promise<HandlerResult> {
  const { store } = deps;
  return store.exclusive(async () => {
    const current = existing ? store.group(existing.id) : undefined;
    const name = nameOverride ?? (d.opt('name') as string | undefined) ?? current?.name ?? '';
    if (name !== '') {
      const byName = store.groupNamed(name);
      if (byName && byName.id !== current?.id) throw badRequest('group name is already in use');
    }
    const typeIn = ((d.opt('type') as string | undefined) ?? '').toLowerCase();
    if (typeIn !== '' && typeIn !== 'internal' && typeIn !== 'external') throw badRequest(`invalid group type "${typeIn}"`);
    if (current && typeIn !== '' && typeIn !== current.type) throw badRequest('group type cannot be changed');
    const type = (current?.type ?? (typeIn || 'internal')) as Group['type'];
    const id = current?.id ?? uuid();
    const entities = d.opt('member_entity_ids') as string[] | undefined;
    const groups = d.opt('member_group_ids') as string[] | undefined;
    if (type === 'external' && entities !== undefined) throw badRequest("member entities can't be set manually for external groups");
    if (type === 'external' && groups !== undefined) throw badRequest("member groups can't be set for external groups");
    if (entities !== undefined && uniq(entities).length > 512) throw badRequest('member entity IDs exceeding the limit of 512');
    for (const e of uniq(entities ?? [])) if (!store.entity(e)) throw badRequest(`invalid member entity ID "${e}"`);
    for (const g of uniq(groups ?? [])) {
      if (g === id) throw badRequest(`member group ID "${g}" is same as the ID of the group`);
      if (!store.group(g)) throw badRequest(`invalid member group ID "${g}"`);
      if (createsCycle(store, id, g)) throw badRequest(`cyclic relationship detected for member group ID "${g}"`);
    }
    const now = deps.now();
    const next: Group = {
      id,
      name: name || `group_${id.slice(0, 8)}`,
      type,
      metadata: (d.opt('metadata') as Record<string, string> | undefined) ?? current?.metadata ?? {},
      policies: d.opt('policies') !== undefined ? uniq(d.opt('policies') as string[]) : (current?.policies ?? []),
      memberEntityIds: entities !== undefined ? uniq(entities) : (current?.memberEntityIds ?? []),
      memberGroupIds: groups !== undefined ? uniq(groups) : (current?.memberGroupIds ?? []),
      alias: current?.alias ?? null,
      creationTime: current?.creationTime ?? now,
      lastUpdateTime: now,
      modifyIndex: (current?.modifyIndex ?? 0) + 1,
    };
    await store.putGroup(next);
    return current ? null : { data: { id: next.id, name: next.name } };
  });
}

/** Deletes a group and removes it from the member lists of its parents. */
async function removeGroup(deps: IdentityDeps, id: string): Promise<void> {
  const { store } = deps;
  if (!store.group(id)) return;
  for (const pid of parentGroupIds(store, id)) {
    const p = store.group(pid);
    if (p) await store.putGroup({ ...p, memberGroupIds: p.memberGroupIds.filter((m) => m !== id), modifyIndex: p.modifyIndex + 1, lastUpdateTime: deps.now() });
  }
  await store.deleteGroup(id);
}

export function groupPaths(deps: IdentityDeps): PathDef<Fields>[] {
  const { store } = deps;
  const read = (g: Group | undefined): HandlerResult => (g ? { data: groupView(g, store, deps.mounts) } : null);
  return [
    definePath({
      pattern: 'group',
      fields: groupFields,
      synopsis: 'Create a new group, or update one by id',
      operations: {
        update: async (_req, d) => {
          // With an id this is an update of that group, as in Vault: an unknown id is an error.
          const g = d.get('id') ? store.group(d.get('id')) : undefined;
          if (d.get('id') && !g) throw badRequest('invalid group ID');
          return upsertGroup(deps, g, d);
        },
      },
    }),
    definePath({
      pattern: 'group/id/?',
      fields: {},
      synopsis: 'List groups by id',
      operations: {
        list: async () => {
          const all = store.allGroups().sort((a, b) => a.id.localeCompare(b.id));
          if (all.length === 0) return null;
          const keyInfo = Object.fromEntries(all.map((g) => [g.id, { name: g.name, num_member_entities: g.memberEntityIds.length, num_parent_groups: parentGroupIds(store, g.id).length }]));
          return { data: { keys: all.map((g) => g.id), key_info: keyInfo } };
        },
      },
    }),
    definePath({
      pattern: `group/id/${matchAll('id')}`,
      fields: groupFields,
      synopsis: 'Read, update or delete a group by id',
      operations: {
        read: async (_req, d) => read(store.group(d.get('id'))),
        update: async (_req, d) => {
          const g = store.group(d.get('id'));
          if (!g) throw badRequest('invalid group ID');
          return upsertGroup(deps, g, d);
        },
        delete: async (_req, d) => {
          await store.exclusive(() => removeGroup(deps, d.get('id')));
        },
      },
    }),
    definePath({
      pattern: 'group/name/?',
      fields: {},
      synopsis: 'List groups by name',
      operations: {
        list: async () => {
          const names = store.allGroups().map((g) => g.name).sort();
          return names.length === 0 ? null : { data: { keys: names } };
        },
      },
    }),
    definePath({
      pattern: `group/name/${matchAll('name')}`,
      fields: groupFields,
      synopsis: 'Create, read, update or delete a group by name',
      operations: {
        read: async (_req, d) => read(store.groupNamed(d.get('name'))),
        update: async (_req, d) => upsertGroup(deps, store.groupNamed(d.get('name')), d, d.get('name')),
        delete: async (_req, d) => {
          const g = store.groupNamed(d.get('name'));
          if (g) await store.exclusive(() => removeGroup(deps, g.id));
        },
      },
    }),
    ...groupAliasPaths(deps),
  ];
}

const groupAliasFields = {
  id: field.string({ description: 'ID of the group alias' }),
  name: field.string({ description: 'Name of the group as the auth method reports it' }),
  mount_accessor: field.string({ description: 'Accessor of the auth mount' }),
  canonical_id: field.string({ description: 'ID of the external group' }),
};
type AliasData = { opt(n: keyof typeof groupAliasFields): unknown };

async function writeGroupAlias(deps: IdentityDeps, d: AliasData, existingId?: string): Promise<{ group: Group; alias: GroupAlias; created: boolean }> {
  const { store } = deps;
  const current = existingId ? store.groupAliasWithId(existingId) : undefined;
  if (existingId && !current) throw badRequest('invalid group alias ID');
  const name = (d.opt('name') as string | undefined) ?? current?.alias.name ?? '';
  const accessor = (d.opt('mount_accessor') as string | undefined) ?? current?.alias.mountAccessor ?? '';
  if (name === '') throw badRequest('missing alias name');
  if (accessor === '') throw badRequest('missing mount_accessor');
  if (!deps.mounts(accessor)) throw badRequest(`invalid mount accessor "${accessor}"`);
  const clash = store.groupAliasNamed(accessor, name);
  if (clash && clash.alias.id !== current?.alias.id) throw badRequest('combination of mount and group alias name is already in use');
  const now = deps.now();
  const canonical = (d.opt('canonical_id') as string | undefined) || current?.group.id || '';
  let group: Group;
  if (canonical) {
    const g = store.group(canonical);
    if (!g) throw badRequest('invalid group ID given in canonical_id');
    group = g;
  } else {
    const id = uuid();
    group = { id, name: `group_${id.slice(0, 8)}`, type: 'external', metadata: {}, policies: [], memberEntityIds: [], memberGroupIds: [], alias: null, creationTime: now, lastUpdateTime: now, modifyIndex: 0 };
  }
  if (group.type !== 'external') throw badRequest("alias can't be set on an internal group");
  if (group.alias && group.alias.id !== current?.alias.id) throw badRequest('group already has an alias');
  const alias: GroupAlias = { id: current?.alias.id ?? uuid(), canonicalId: group.id, mountAccessor: accessor, name, creationTime: current?.alias.creationTime ?? now, lastUpdateTime: now };
  if (current && current.group.id !== group.id) await store.putGroup({ ...current.group, alias: null, lastUpdateTime: now, modifyIndex: current.group.modifyIndex + 1 });
  const next: Group = { ...group, alias, lastUpdateTime: now, modifyIndex: group.modifyIndex + 1 };
  await store.putGroup(next);
  return { group: next, alias, created: !current };
}

function groupAliasPaths(deps: IdentityDeps): PathDef<Fields>[] {
  const { store } = deps;
  return [
    definePath({
      pattern: 'group-alias',
      fields: groupAliasFields,
      synopsis: 'Create a group alias, or update one by id',
      operations: {
        update: async (_req, d) => {
          const r = await store.exclusive(() => writeGroupAlias(deps, d, d.get('id') || undefined));
          return { data: { id: r.alias.id, canonical_id: r.group.id } };
        },
      },
    }),
    definePath({
      pattern: 'group-alias/id/?',
      fields: {},
      synopsis: 'List group aliases by id',
      operations: {
        list: async () => {
          const all = store.allGroups().flatMap((g) => (g.alias ? [g.alias] : [])).sort((a, b) => a.id.localeCompare(b.id));
          if (all.length === 0) return null;
          const keyInfo = Object.fromEntries(all.map((a) => [a.id, { canonical_id: a.canonicalId, mount_accessor: a.mountAccessor, mount_path: deps.mounts(a.mountAccessor)?.path ?? '', mount_type: deps.mounts(a.mountAccessor)?.type ?? '', name: a.name }]));
          return { data: { keys: all.map((a) => a.id), key_info: keyInfo } };
        },
      },
    }),
    definePath({
      pattern: `group-alias/id/${matchAll('id')}`,
      fields: groupAliasFields,
      synopsis: 'Read, update or delete a group alias by id',
      operations: {
        read: async (_req, d) => {
          const found = store.groupAliasWithId(d.get('id'));
          return found ? { data: groupAliasView(found.alias, deps.mounts) } : null;
        },
        update: async (_req, d) => {
          await store.exclusive(() => writeGroupAlias(deps, d, d.get('id')));
          return null;
        },
        delete: async (_req, d) => {
          await store.exclusive(async () => {
            const found = store.groupAliasWithId(d.get('id'));
            if (found) await store.putGroup({ ...found.group, alias: null, lastUpdateTime: deps.now(), modifyIndex: found.group.modifyIndex + 1 });
          });
        },
      },
    }),
  ];
}
