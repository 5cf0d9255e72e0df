/**
 * identity/entity-alias: create, read, update, delete by id, list. An alias ties a login
 * (mount accessor + name) to one entity; an entity has at most one alias per mount.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, matchAll, type HandlerResult, type PathDef } from '../../sdk/framework/path.js';
import { uuid } from '../../lib/ids.js';
import type { IdentityDeps } from './deps.js';
import type { Entity, EntityAlias } from './types.js';
import { aliasView } from './views.js';

const aliasFields = {
  id: field.string({ description: 'ID of the alias' }),
  name: field.string({ description: 'Name of the alias (what the auth method reports)' }),
  canonical_id: field.string({ description: 'Entity the alias belongs to' }),
  mount_accessor: field.string({ description: 'Accessor of the auth mount' }),
  custom_metadata: field.kvPairs({ description: 'User-provided metadata' }),
};

interface AliasInput {
  name?: string | undefined;
  canonicalId?: string | undefined;
  mountAccessor?: string | undefined;
  customMetadata?: Record<string, string> | undefined;
  metadata?: Record<string, string>;
}

/**
 * Creates an alias (on a new entity when no canonical_id is given) or updates `existingId`.
 * Must run inside `store.exclusive`.
 */
export async function writeAlias(deps: IdentityDeps, input: AliasInput, existingId?: string): Promise<{ entity: Entity; alias: EntityAlias; created: boolean }> {
  const { store } = deps;
  const current = existingId ? store.aliasWithId(existingId) : undefined;
  if (existingId && !current) throw badRequest('invalid alias id');
  const name = input.name ?? current?.alias.name ?? '';
  const accessor = input.mountAccessor ?? current?.alias.mountAccessor ?? '';
  if (name === '') throw badRequest('missing alias name');
  if (accessor === '') throw badRequest('missing mount_accessor');
  if (!deps.mounts(accessor)) throw badRequest(`invalid mount accessor "${accessor}"`);
  const clash = store.aliasNamed(accessor, name);
  if (clash && clash.alias.id !== current?.alias.id) throw badRequest('combination of mount and alias name is already in use');
  const now = deps.now();
  let entity: Entity;
  const canonical = input.canonicalId || current?.entity.id || '';
  if (canonical) {
    const e = store.entity(canonical);
    if (!e) throw badRequest('invalid entity ID');
    entity = e;
  } else {
    const id = uuid();
    entity = { id, name: `entity_${id.slice(0, 8)}`, metadata: {}, policies: [], disabled: false, aliases: [], mergedEntityIds: [], creationTime: now, lastUpdateTime: now };
  }
  if (entity.aliases.some((a) => a.mountAccessor === accessor && a.id !== current?.alias.id)) {
    throw badRequest('Alias already exists for requested entity and mount accessor');
  }
  const alias: EntityAlias = {
    id: current?.alias.id ?? uuid(),
    canonicalId: entity.id,
    mountAccessor: accessor,
    name,
    metadata: input.metadata ?? current?.alias.metadata ?? {},
    customMetadata: input.customMetadata ?? current?.alias.customMetadata ?? {},
    creationTime: current?.alias.creationTime ?? now,
    lastUpdateTime: now,
    mergedFromCanonicalIds: current?.alias.mergedFromCanonicalIds ?? [],
  };
  // Moving an alias to another entity takes it off the old one first.
  if (current && current.entity.id !== entity.id) {
    await store.putEntity({ ...current.entity, aliases: current.entity.aliases.filter((a) => a.id !== alias.id), lastUpdateTime: now });
    entity = store.entity(entity.id) ?? entity;
  }
  const next: Entity = { ...entity, aliases: [...entity.aliases.filter((a) => a.id !== alias.id), alias], lastUpdateTime: now };
  await store.putEntity(next);
  return { entity: next, alias, created: !current };
}

export function aliasPaths(deps: IdentityDeps): PathDef<Fields>[] {
  const { store } = deps;
  const input = (d: { opt(n: keyof typeof aliasFields): unknown }): AliasInput => ({
    name: d.opt('name') as string | undefined,
    canonicalId: d.opt('canonical_id') as string | undefined,
    mountAccessor: d.opt('mount_accessor') as string | undefined,
    customMetadata: d.opt('custom_metadata') as Record<string, string> | undefined,
  });
  const answer = (r: { entity: Entity; alias: EntityAlias }): HandlerResult => ({ data: { id: r.alias.id, canonical_id: r.entity.id } });
  return [
    definePath({
      pattern: 'entity-alias',
      fields: aliasFields,
      synopsis: 'Create a new alias, or update one by id',
      operations: {
        update: async (_req, d) => answer(await store.exclusive(() => writeAlias(deps, input(d), d.get('id') || undefined))),
      },
    }),
    definePath({
      pattern: 'entity-alias/id/?',
      fields: {},
      synopsis: 'List entity aliases by id',
      operations: {
        list: async () => {
          const all = store.allEntities().flatMap((e) => e.aliases).sort((a, b) => a.id.localeCompare(b.id));
          if (all.length === 0) return null;
          const keyInfo = Object.fromEntries(all.map((a) => [a.id, { canonical_id: a.canonicalId, mount_accessor: a.mountAccessor, mount_path: deps.mounts(a.mountAccessor)?.path ?? '', mount_type: deps.mounts(a.mountAccessor)?.type ?? '', name: a.name, custom_metadata: { ...a.customMetadata } }]));
          return { data: { keys: all.map((a) => a.id), key_info: keyInfo } };
        },
      },
    }),
    definePath({
      pattern: `entity-alias/id/${matchAll('id')}`,
      fields: aliasFields,
      synopsis: 'Read, update or delete an alias by id',
      operations: {
        read: async (_req, d) => {
          const found = store.aliasWithId(d.get('id'));
          return found ? { data: aliasView(found.alias, deps.mounts) } : null;
        },
        update: async (_req, d) => {
          await store.exclusive(() => writeAlias(deps, input(d), d.get('id')));
          return null;
        },
        delete: async (_req, d) => {
          await store.exclusive(async () => {
            const found = store.aliasWithId(d.get('id'));
            if (!found) return;
            await store.putEntity({ ...found.entity, aliases: found.entity.aliases.filter((a) => a.id !== found.alias.id), lastUpdateTime: deps.now() });
          });
        },
      },
    }),
  ];
}
