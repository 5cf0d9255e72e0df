/** identity/lookup/entity and identity/lookup/group: one criterion, the object or 204. */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { IdentityDeps } from './deps.js';
import { entityView, groupView } from './views.js';

const lookupFields = {
  type: field.string({ description: 'Ignored (the path names the type)' }),
  name: field.string({ description: 'Name' }),
  id: field.string({ description: 'ID' }),
  alias_id: field.string({ description: 'ID of an alias' }),
  alias_name: field.string({ description: 'Name of an alias (with alias_mount_accessor)' }),
  alias_mount_accessor: field.string({ description: 'Mount accessor of the alias' }),
};
type Criteria = { name: string; id: string; aliasId: string; aliasName: string; aliasMount: string };

function criteria(d: { get(n: keyof typeof lookupFields): string; has(n: keyof typeof lookupFields): boolean }): Criteria {
  const c = { name: d.get('name'), id: d.get('id'), aliasId: d.get('alias_id'), aliasName: d.get('alias_name'), aliasMount: d.get('alias_mount_accessor') };
  // Counted by presence, as Vault does: an empty value still counts as a criterion.
  const given = (['name', 'id', 'alias_id', 'alias_name', 'alias_mount_accessor'] as const).filter((k) => d.has(k)).length;
  if (given === 0) throw badRequest('query parameter not supplied');
  if (given === 1 && (c.aliasName !== '' || c.aliasMount !== '')) throw badRequest("both 'alias_name' and 'alias_mount_accessor' needs to be set");
  if (given > 1 && !(given === 2 && c.aliasName !== '' && c.aliasMount !== '')) throw badRequest('query parameter conflict; please supply distinct set of query parameters');
  return c;
}

export function lookupPaths(deps: IdentityDeps): PathDef<Fields>[] {
  const { store } = deps;
  return [
    definePath({
      pattern: 'lookup/entity',
      fields: lookupFields,
      synopsis: 'Find an entity by name, id or alias',
      operations: {
        update: async (_req, d) => {
          const c = criteria(d);
          const e = c.id ? store.entity(c.id) : c.name ? store.entityNamed(c.name) : c.aliasId ? store.aliasWithId(c.aliasId)?.entity : store.aliasNamed(c.aliasMount, c.aliasName)?.entity;
          return e ? { data: entityView(e, store, deps.mounts) } : null;
        },
      },
    }),
    definePath({
      pattern: 'lookup/group',
      fields: lookupFields,
      synopsis: 'Find a group by name, id or alias',
      operations: {
        update: async (_req, d) => {
          const c = criteria(d);
          const g = c.id ? store.group(c.id) : c.name ? store.groupNamed(c.name) : c.aliasId ? store.groupAliasWithId(c.aliasId)?.group : store.groupAliasNamed(c.aliasMount, c.aliasName)?.group;
          return g ? { data: groupView(g, store, deps.mounts) } : null;
        },
      },
    }),
  ];
}
