/**
 * `role/<name>` and LIST `role`/`roles`: which service principals, groups, subscriptions,
 * resource groups and scale sets may log in through a role, and the tokens they get.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { roleListPaths } from '../role-list.js';
import { legacyTokenFields, parseTokenFields, tokenFields, tokenFieldsResponse, type TokenParams } from '../token-fields.js';
import type { ResourceBounds } from './resource.js';

export interface AzureRole extends TokenParams, ResourceBounds {
  boundServicePrincipalIds: string[];
  boundGroupIds: string[];
}

const roleKey = (name: string): string => `role/${name.toLowerCase()}`;
export const loadRole = (s: Storage, name: string): Promise<AzureRole | null> => getJSON<AzureRole>(s, roleKey(name));

const roleFields = {
  name: field.string({ description: 'Name of the role.', required: true }),
  bound_service_principal_ids: field.commaStringSlice({ description: 'Object IDs of service principals allowed to log in.' }),
  bound_group_ids: field.commaStringSlice({ description: 'Group object IDs, one of which the token must list.' }),
  bound_subscription_ids: field.commaStringSlice({ description: 'Subscriptions the resource must be in.' }),
  bound_resource_groups: field.commaStringSlice({ description: 'Resource groups the resource must be in.' }),
  bound_scale_sets: field.commaStringSlice({ description: 'Scale sets the resource must belong to.' }),
  ...tokenFields,
  ...legacyTokenFields,
};

function buildRole(d: FieldData<typeof roleFields>, e: AzureRole | null): AzureRole {
  const r: AzureRole = {
    ...parseTokenFields(d, e ?? undefined),
    boundServicePrincipalIds: d.opt('bound_service_principal_ids') ?? e?.boundServicePrincipalIds ?? [],
    boundGroupIds: d.opt('bound_group_ids') ?? e?.boundGroupIds ?? [],
    boundSubscriptionIds: d.opt('bound_subscription_ids') ?? e?.boundSubscriptionIds ?? [],
    boundResourceGroups: d.opt('bound_resource_groups') ?? e?.boundResourceGroups ?? [],
    boundScaleSets: d.opt('bound_scale_sets') ?? e?.boundScaleSets ?? [],
  };
  const bounds = r.boundServicePrincipalIds.length + r.boundGroupIds.length + r.boundSubscriptionIds.length + r.boundResourceGroups.length + r.boundScaleSets.length;
  if (bounds === 0) throw badRequest('must have at least one bound constraint when creating/updating a role');
  return r;
}

export const rolePath = definePath({
  pattern: `role/${genericName('name')}`,
  fields: roleFields,
  synopsis: 'Create, read, update and delete azure auth roles.',
  existenceCheck: async (req, d) => (await loadRole(req.storage, d.get('name'))) !== null,
  operations: {
    async read(req, d) {
      const r = await loadRole(req.storage, d.get('name'));
      if (!r) return null;
      return {
        data: {
          bound_service_principal_ids: [...r.boundServicePrincipalIds], bound_group_ids: [...r.boundGroupIds], bound_subscription_ids: [...r.boundSubscriptionIds],
          bound_resource_groups: [...r.boundResourceGroups], bound_scale_sets: [...r.boundScaleSets], bound_locations: [], ...tokenFieldsResponse(r, { legacy: true }),
        },
      };
    },
    async create(req, d) {
      await putJSON(req.storage, roleKey(d.get('name')), buildRole(d, null));
      return null;
    },
    async update(req, d) {
      const name = d.get('name');
      await putJSON(req.storage, roleKey(name), buildRole(d, await loadRole(req.storage, name)));
      return null;
    },
    async delete(req, d) {
      await req.storage.delete(roleKey(d.get('name')));
      return null;
    },
  },
});

export { roleListPaths };
