/**
 * identity/entity: create/update (by id, by name), read, delete, list by id and by name,
 * batch-delete and merge, with Vault's response shapes and error texts.
 */
import { badRequest } from '../../sdk/errors.js';
import type { HandlerResult } from '../../sdk/framework/path.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, matchAll, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { uuid } from '../../lib/ids.js';
import type { IdentityDeps } from './deps.js';
import { directGroupIds } from './membership.js';
import type { Entity } from './types.js';
import { entityView } from './views.js';

const entityFields = {
  name: field.string({ description: 'Name of the entity' }),
  id: field.string({ description: 'ID of the entity' }),
  metadata: field.kvPairs({ description: 'Metadata to attach to the entity' }),
  policies: field.commaStringSlice({ description: 'Policies of the entity' }),
  disabled: field.bool({ description: 'Whether tokens of the entity are refused' }),
};
type EntityInput = { name?: string | undefined; metadata?: Record<string, string> | undefined; policies?: string[] | undefined; disabled?: boolean | undefined };

const cleanPolicies = (p: string[]): string[] => [...new Set(p.map((s) => s.trim()).filter((s) => s !== ''))];

/** Creates a new entity or updates `existing`; answers {id, name} on creation as Vault does. */
export async function upsertEntity(deps: IdentityDeps, existing: Entity | undefined, input: EntityInput): Promise<HandlerResult> {
  return deps.store.exclusive(async () => {
    const { store } = deps;
    let current = existing ? store.entity(existing.id) : undefined;
    if (existing && !current) throw badRequest('entity not found from id');
    const name = input.name ?? current?.name ?? '';
    if (name !== '') {
      const byName = store.entityNamed(name);
      // As Vault: a name that exists names the entity to update, unless an id chose another.
      if (byName && !current) current = byName;
      else if (byName && byName.id !== current?.id) throw badRequest('entity name is already in use');
    }
    const policies = input.policies !== undefined ? cleanPolicies(input.policies) : (current?.policies ?? []);
    if (policies.includes('root')) throw badRequest('policies cannot contain root');
    const now = deps.now();
    const id = current?.id ?? uuid();
    const next: Entity = {
      id,
      name: name || `entity_${id.slice(0, 8)}`,
      metadata: input.metadata ?? current?.metadata ?? {},
      policies,
      disabled: input.disabled ?? current?.disabled ?? false,
      aliases: current?.aliases ?? [],
      mergedEntityIds: current?.mergedEntityIds ?? [],
      creationTime: current?.creationTime ?? now,
      lastUpdateTime: now,
    };
    await store.putEntity(next);
    if (current) return null;
    return { data: { id: next.id, name: next.name, aliases: null } };
  });
}

/** Deletes an entity and drops it from every group that names it. */
async function removeEntity(deps: IdentityDeps, id: string): Promise<void> {
  const { store } = deps;
  if (!store.entity(id)) return;
  for (const gid of directGroupIds(store, id)) {
    const g = store.group(gid);
    if (g) await store.putGroup({ ...g, memberEntityIds: g.memberEntityIds.filter((m) => m !== id), modifyIndex: g.modifyIndex + 1, lastUpdateTime: deps.now() });
  }
  await store.deleteEntity(id);
}

export function entityPaths(deps: IdentityDeps): PathDef<Fields>[] {
  const { store } = deps;
  const read = (e: Entity | undefined): HandlerResult => (e ? { data: entityView(e, store, deps.mounts) } : null);
  const input = (d: { opt(n: 'name' | 'metadata' | 'policies' | 'disabled'): unknown }): EntityInput => ({
    name: d.opt('name') as string | undefined,
    metadata: d.opt('metadata') as Record<string, string> | undefined,
    policies: d.opt('policies') as string[] | undefined,
    disabled: d.opt('disabled') as boolean | undefined,
  });
  return [
    definePath({
      pattern: 'entity',
      fields: entityFields,
      synopsis: 'Create a new entity, or update one by id',
      operations: {
        update: async (_req, d) => {
          // With an id this is an update of that entity, as in Vault: an unknown id is an error.
          const id = d.get('id');
          const existing = id ? store.entity(id) : undefined;
          if (id && !existing) throw badRequest('entity not found from id');
          return upsertEntity(deps, existing, input(d));
        },
      },
    }),
    definePath({
      pattern: 'entity/id/?',
      fields: {},
      synopsis: 'List entities by id',
      operations: {
        list: async () => {
          const all = store.allEntities().sort((a, b) => a.id.localeCompare(b.id));
          if (all.length === 0) return null;
          const keyInfo = Object.fromEntries(all.map((e) => [e.id, { name: e.name, aliases: e.aliases.map((a) => ({ id: a.id, canonical_id: a.canonicalId, mount_accessor: a.mountAccessor, mount_path: deps.mounts(a.mountAccessor)?.path ?? '', mount_type: deps.mounts(a.mountAccessor)?.type ?? '', name: a.name })) }]));
          return { data: { keys: all.map((e) => e.id), key_info: keyInfo } };
        },
      },
    }),
    definePath({
      pattern: `entity/id/${matchAll('id')}`,
      fields: entityFields,
      synopsis: 'Read, update or delete an entity by id',
      operations: {
        read: async (_req, d) => read(store.entity(d.get('id'))),
        update: async (_req, d) => {
          const e = store.entity(d.get('id'));
          if (!e) throw badRequest('entity not found from id');
          return upsertEntity(deps, e, input(d));
        },
        delete: async (_req, d) => {
          await store.exclusive(() => removeEntity(deps, d.get('id')));
        },
      },
    }),
    definePath({
      pattern: 'entity/name/?',
      fields: {},
      synopsis: 'List entities by name',
      operations: {
        list: async () => {
          const names = store.allEntities().map((e) => e.name).sort();
          return names.length === 0 ? null : { data: { keys: names } };
        },
      },
    }),
    definePath({
      pattern: `entity/name/${matchAll('name')}`,
      fields: entityFields,
      synopsis: 'Create, read, update or delete an entity by name',
      operations: {
        read: async (_req, d) => read(store.entityNamed(d.get('name'))),
        update: async (_req, d) => upsertEntity(deps, store.entityNamed(d.get('name')), { ...input(d), name: d.get('name') }),
        delete: async (_req, d) => {
          const e = store.entityNamed(d.get('name'));
          if (e) await store.exclusive(() => removeEntity(deps, e.id));
        },
      },
    }),
    definePath({
      pattern: 'entity/batch-delete',
      fields: { entity_ids: field.commaStringSlice({ description: 'Entity IDs to delete' }) },
      synopsis: 'Delete entities in bulk',
      operations: {
        update: async (_req, d) => {
          const ids = d.get('entity_ids');
          if (ids.length === 0) throw badRequest('missing entity ids to delete');
          await store.exclusive(async () => {
            for (const id of ids) await removeEntity(deps, id);
          });
        },
      },
    }),
    definePath({
      pattern: 'entity/merge',
      fields: {
        from_entity_ids: field.commaStringSlice({ description: 'Entities to merge from' }),
        to_entity_id: field.string({ description: 'Entity to merge into' }),
        force: field.bool({ description: 'Ignored: aliases on the same mount are kept from the target' }),
        conflicting_alias_ids_to_keep: field.commaStringSlice({ description: 'Alias ids to keep on conflict' }),
      },
      synopsis: 'Merge entities into one',
      operations: {
        update: async (_req, d) => {
          const to = d.get('to_entity_id');
          const from = d.get('from_entity_ids');
          if (!to) throw badRequest('missing entity id to merge to');
          if (from.length === 0) throw badRequest('missing entity ids to merge from');
          const keep = new Set(d.get('conflicting_alias_ids_to_keep'));
          await store.exclusive(() => mergeEntities(deps, to, from, keep));
        },
      },
    }),
  ];
}

/**
 * Moves the aliases and group memberships of `fromIds` onto `toId` and deletes the
 * sources. Two aliases on one mount cannot share an entity: unless the caller names which
 * to keep, the merge is refused with Vault's texts.
 */
async function mergeEntities(deps: IdentityDeps, toId: string, fromIds: string[], keep: Set<string>): Promise<void> {
  const { store } = deps;
  const target = store.entity(toId);
  if (!target) throw badRequest('entity id to merge to is invalid');
  const sources = [...new Set(fromIds)].map((id) => {
    if (id === toId) throw badRequest('to_entity_id should not be present in from_entity_ids');
    const e = store.entity(id);
    if (!e) throw badRequest('entity id to merge from is invalid');
    return e;
  });
  if (keep.size === 0) {
    const clashes = sources.flatMap((src) =>
      src.aliases.flatMap((a) => target.aliases.filter((t) => t.mountAccessor === a.mountAccessor).map((t) => `mountAccessor: ${a.mountAccessor}, toEntity ID: ${toId}, fromEntity ID: ${src.id}, conflicting toEntity alias ID: ${t.id}, conflicting fromEntity alias ID: ${a.id}`)),
    );
    if (clashes.length > 0) throw badRequest(`toEntity and at least one fromEntity have aliases with the same mount accessor, repeat the merge request specifying exactly one fromEntity, clashes: ${clashes.join('; ')}`);
  }
  const now = deps.now();
  let aliases = [...target.aliases];
  const merged = [...target.mergedEntityIds];
  for (const src of sources) {
    for (const a of src.aliases) {
      const clash = aliases.find((x) => x.mountAccessor === a.mountAccessor);
      if (clash) {
        if (keep.has(clash.id)) continue;
        if (!keep.has(a.id)) throw badRequest(`conflicting mount accessors in following alias IDs and neither were present in conflicting_alias_ids_to_keep: ${a.id}, ${clash.id}`);
        aliases = aliases.filter((x) => x !== clash);
      }
      aliases.push({ ...a, canonicalId: toId, mergedFromCanonicalIds: [...a.mergedFromCanonicalIds, src.id], lastUpdateTime: now });
    }
    merged.push(...src.mergedEntityIds, src.id);
  }
  for (const src of sources) {
    for (const gid of directGroupIds(store, src.id)) {
      const g = store.group(gid);
      if (!g) continue;
      const members = g.memberEntityIds.filter((m) => m !== src.id);
      if (!members.includes(toId)) members.push(toId);
      await store.putGroup({ ...g, memberEntityIds: members, modifyIndex: g.modifyIndex + 1, lastUpdateTime: now });
    }
    await store.deleteEntity(src.id);
  }
  await store.putEntity({ ...target, aliases, mergedEntityIds: merged, lastUpdateTime: now });
}
