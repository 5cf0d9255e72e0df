/** `role` (LIST) and `role/<role_name>` (create, read, update, delete). */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { parseTokenFields, tokenFields } from '../token-fields.js';
import { newRole, ROLE, roleData, roleNameField, validateRole, type RoleEntry } from './role.js';
import type { AppRoleStore } from './store.js';

const roleFields = {
  role_name: roleNameField,
  role_id: field.string({ description: 'Custom RoleID; a random UUID when omitted' }),
  bind_secret_id: field.bool({ description: 'Require a SecretID at login', default: true }),
  secret_id_bound_cidrs: field.commaStringSlice({ description: 'CIDRs allowed to log in with SecretIDs of this role' }),
  bound_cidr_list: field.commaStringSlice({ description: 'Deprecated: use secret_id_bound_cidrs' }),
  secret_id_num_uses: field.int({ description: 'Uses per SecretID (0 = unlimited)' }),
  secret_id_ttl: field.durationSecond({ description: 'Lifetime of SecretIDs (0 = never expire)' }),
  local_secret_ids: field.bool({ description: 'SecretIDs are cluster-local; only settable at creation' }),
  ...tokenFields,
};

export function rolePaths(store: AppRoleStore): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'role/?',
      fields: {},
      synopsis: 'List roles',
      operations: { list: async () => ({ data: { keys: await store.listRoles() } }) },
    }),
    definePath({
      pattern: ROLE,
      fields: roleFields,
      synopsis: 'Manage an AppRole role',
      existenceCheck: async (_req, d) => (await store.getRole(d.get('role_name'))) !== null,
      operations: {
        read: async (_req, d) => {
          const role = await store.getRole(d.get('role_name'));
          return role ? { data: roleData(role) } : null;
        },
        delete: async (_req, d) => {
          const role = await store.getRole(d.get('role_name'));
          if (role) await store.deleteRole(role);
        },
        update: async (_req, d) => {
          const name = d.get('role_name');
          const existing = await store.getRole(name);
          const role: RoleEntry = existing ? structuredClone(existing) : newRole(name);
          const localIds = d.opt('local_secret_ids');
          if (existing && localIds !== undefined && localIds !== existing.localSecretIds) {
            throw badRequest('local_secret_ids can only be modified during role creation');
          }
          if (!existing && localIds !== undefined) role.localSecretIds = localIds;
          const roleId = d.opt('role_id');
          if (roleId !== undefined) {
            if (roleId === '') throw badRequest('missing role_id');
            role.roleId = roleId;
          }
          role.bindSecretId = d.opt('bind_secret_id') ?? role.bindSecretId;
          role.secretIdBoundCidrs = d.opt('secret_id_bound_cidrs') ?? d.opt('bound_cidr_list') ?? role.secretIdBoundCidrs;
          role.secretIdNumUses = d.opt('secret_id_num_uses') ?? role.secretIdNumUses;
          role.secretIdTtl = d.opt('secret_id_ttl') ?? role.secretIdTtl;
          role.token = parseTokenFields(d, role.token);
          validateRole(role);
          if (!(await store.putRole(role, existing?.roleId))) throw badRequest('role_id already in use');
        },
      },
    }),
  ];
}
