/** `auth/token/roles` (LIST) and `auth/token/roles/:role_name` (CRUD). */
import { definePath, field, genericName, type PathDef } from '../../sdk/index.js';
import { defaultRole, deleteRole, listRoles, readRole, roleData, TOKEN_TYPES, validateRole, writeRole } from './roles.js';
import type { TokenStore } from './token-store.js';
import type { TokenRole } from './types.js';

const roleFields = {
  role_name: field.string({ description: 'Name of the role', required: true }),
  allowed_policies: field.commaStringSlice({ description: 'Policies tokens from this role may have' }),
  disallowed_policies: field.commaStringSlice({ description: 'Policies tokens from this role may not have' }),
  allowed_policies_glob: field.commaStringSlice({ description: 'Globs of allowed policies' }),
  disallowed_policies_glob: field.commaStringSlice({ description: 'Globs of disallowed policies' }),
  allowed_entity_aliases: field.commaStringSlice({ description: 'Entity aliases allowed with this role' }),
  orphan: field.bool({ description: 'Tokens are created as orphans' }),
  renewable: field.bool({ description: 'Tokens may be renewed', default: true }),
  path_suffix: field.string({ description: 'Suffix appended to the creation path' }),
  token_ttl: field.durationSecond({ description: 'Default TTL' }),
  token_max_ttl: field.durationSecond({ description: 'Maximum TTL' }),
  token_explicit_max_ttl: field.durationSecond({ description: 'Hard TTL cap' }),
  token_period: field.durationSecond({ description: 'Period of periodic tokens' }),
  token_policies: field.commaStringSlice({ description: 'Default policies of tokens' }),
  token_bound_cidrs: field.commaStringSlice({ description: 'CIDRs tokens may be used from' }),
  token_no_default_policy: field.bool({ description: 'Do not add the default policy' }),
  token_num_uses: field.int({ description: 'Uses per token, 0 = unlimited' }),
  token_type: field.string({ description: 'Token type', allowed: TOKEN_TYPES }),
  period: field.durationSecond({ description: 'Deprecated: use token_period' }),
  explicit_max_ttl: field.durationSecond({ description: 'Deprecated: use token_explicit_max_ttl' }),
  bound_cidrs: field.commaStringSlice({ description: 'Deprecated: use token_bound_cidrs' }),
};

export function rolePaths(store: TokenStore): PathDef[] {
  return [
    definePath({
      pattern: 'roles/?',
      fields: {},
      synopsis: 'List token roles',
      operations: {
        list: async () => ({ data: { keys: await listRoles(store.storage) } }),
      },
    }),
    definePath({
      pattern: `roles/${genericName('role_name')}`,
      fields: roleFields,
      synopsis: 'Manage a token role',
      existenceCheck: async (_req, d) => (await readRole(store.storage, d.get('role_name'))) !== null,
      operations: {
        read: async (_req, d) => {
          const role = await readRole(store.storage, d.get('role_name'));
          return role ? { data: roleData(role) } : null;
        },
        delete: async (_req, d) => {
          await deleteRole(store.storage, d.get('role_name'));
        },
        update: async (_req, d) => {
          const name = d.get('role_name').toLowerCase();
          const role: TokenRole = (await readRole(store.storage, name)) ?? defaultRole(name);
          const set = <K extends keyof TokenRole>(k: K, v: TokenRole[K] | undefined): void => {
            if (v !== undefined) role[k] = v;
          };
          set('allowedPolicies', d.opt('allowed_policies'));
          set('disallowedPolicies', d.opt('disallowed_policies'));
          set('allowedPoliciesGlob', d.opt('allowed_policies_glob'));
          set('disallowedPoliciesGlob', d.opt('disallowed_policies_glob'));
          set('allowedEntityAliases', d.opt('allowed_entity_aliases'));
          set('orphan', d.opt('orphan'));
          set('renewable', d.opt('renewable'));
          set('pathSuffix', d.opt('path_suffix'));
          set('tokenTtl', d.opt('token_ttl'));
          set('tokenMaxTtl', d.opt('token_max_ttl'));
          set('tokenExplicitMaxTtl', d.opt('token_explicit_max_ttl') ?? d.opt('explicit_max_ttl'));
          set('tokenPeriod', d.opt('token_period') ?? d.opt('period'));
          set('tokenPolicies', d.opt('token_policies'));
          set('tokenBoundCidrs', d.opt('token_bound_cidrs') ?? d.opt('bound_cidrs'));
          set('tokenNoDefaultPolicy', d.opt('token_no_default_policy'));
          set('tokenNumUses', d.opt('token_num_uses'));
          set('tokenType', d.opt('token_type') as TokenRole['tokenType'] | undefined);
          validateRole(role);
          await writeRole(store.storage, role);
        },
      },
    }),
  ];
}
