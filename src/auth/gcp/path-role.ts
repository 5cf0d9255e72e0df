/**
 * `role/<name>` and LIST `role`/`roles`: which service accounts (email, unique ID or "*")
 * in which projects may log in, how long their JWTs may live, and the tokens they get.
 * Only the iam type exists in Ward (gce needs the Compute API).
 */
import { uuid } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { roleListPaths } from '../role-list.js';
import { legacyTokenFields, parseTokenFields, tokenFields, tokenFieldsResponse, type TokenParams } from '../token-fields.js';
import { MAX_JWT_EXP_LIMIT_S } from './jwt-claims.js';

export interface GcpRole extends TokenParams {
  type: 'iam';
  roleId: string;
  boundServiceAccounts: string[];
  boundProjects: string[];
  maxJwtExp: number;
}

const roleKey = (name: string): string => `role/${name.toLowerCase()}`;
export const loadRole = (s: Storage, name: string): Promise<GcpRole | null> => getJSON<GcpRole>(s, roleKey(name));

const roleFields = {
  name: field.string({ description: 'Name of the role.', required: true }),
  type: field.string({ description: 'Role type; only "iam" in Ward.' }),
  bound_service_accounts: field.commaStringSlice({ description: 'Service-account emails or unique IDs allowed to log in, or "*".' }),
  bound_projects: field.commaStringSlice({ description: 'Projects the service account must belong to.' }),
  max_jwt_exp: field.durationSecond({ description: 'Longest remaining lifetime a login JWT may have (default 15m).' }),
  ...tokenFields,
  ...legacyTokenFields,
};

function buildRole(d: FieldData<typeof roleFields>, existing: GcpRole | null): GcpRole {
  const type = d.opt('type') ?? existing?.type ?? '';
  if (type === '') throw badRequest('role type must be provided');
  if (type === 'gce') throw badRequest('role type "gce" is not supported by Ward; use "iam"');
  if (type !== 'iam') throw badRequest(`role type "${type}" is invalid`);
  if (existing && existing.type !== type) throw badRequest(`role type cannot be changed for an existing role`);
  const role: GcpRole = {
    ...parseTokenFields(d, existing ?? undefined),
    type: 'iam',
    roleId: existing?.roleId ?? uuid(),
    boundServiceAccounts: d.opt('bound_service_accounts') ?? existing?.boundServiceAccounts ?? [],
    boundProjects: d.opt('bound_projects') ?? existing?.boundProjects ?? [],
    maxJwtExp: d.opt('max_jwt_exp') ?? existing?.maxJwtExp ?? 900,
  };
  if (role.boundServiceAccounts.length === 0) throw badRequest('IAM role type must have at least one service account');
  if (role.boundServiceAccounts.length > 1 && role.boundServiceAccounts.includes('*')) throw badRequest('cannot provide IAM service account wildcard "*" (for all service accounts) with other service accounts');
  if (role.maxJwtExp > MAX_JWT_EXP_LIMIT_S) throw badRequest(`max_jwt_exp cannot be more than ${MAX_JWT_EXP_LIMIT_S / 60} minutes`);
  return role;
}

export const rolePath = definePath({
  pattern: `role/${genericName('name')}`,
  fields: roleFields,
  synopsis: 'Create, read, update and delete gcp auth roles.',
  existenceCheck: async (req, d) => (await loadRole(req.storage, d.get('name'))) !== null,
  operations: {
    async read(req, d) {
      const r = await loadRole(req.storage, d.get('name'));
      if (!r) return null;
      return {
        data: {
          type: r.type, role_id: r.roleId, bound_service_accounts: [...r.boundServiceAccounts], bound_projects: [...r.boundProjects],
          max_jwt_exp: r.maxJwtExp, add_group_aliases: false, ...tokenFieldsResponse(r, { legacy: true }),
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
