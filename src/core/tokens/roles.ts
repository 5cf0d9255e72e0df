/** Token roles: storage and the wire shape. */
import { invalidCidr } from '../../lib/cidr.js';
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { sanitizePolicies } from './policies.js';
import type { TokenRole } from './types.js';

export const TOKEN_TYPES = ['default-service', 'default-batch', 'service', 'batch'] as const;

export function defaultRole(name: string): TokenRole {
  return {
    name,
    allowedPolicies: [],
    disallowedPolicies: [],
    allowedPoliciesGlob: [],
    disallowedPoliciesGlob: [],
    allowedEntityAliases: [],
    orphan: false,
    renewable: true,
    pathSuffix: '',
    tokenTtl: 0,
    tokenMaxTtl: 0,
    tokenExplicitMaxTtl: 0,
    tokenPeriod: 0,
    tokenPolicies: [],
    tokenBoundCidrs: [],
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
    tokenType: 'default-service',
  };
}

export const readRole = (s: Storage, name: string): Promise<TokenRole | null> => getJSON<TokenRole>(s, `roles/${name.toLowerCase()}`);
export const writeRole = (s: Storage, role: TokenRole): Promise<void> => putJSON(s, `roles/${role.name}`, role);
export const deleteRole = (s: Storage, name: string): Promise<void> => s.delete(`roles/${name.toLowerCase()}`);
export const listRoles = async (s: Storage): Promise<string[]> => (await s.list('roles/')).filter((k) => !k.endsWith('/'));

export function validateRole(role: TokenRole): void {
  if (role.pathSuffix.includes('..')) throw badRequest('error registering path suffix: path suffix cannot contain ".."');
  if (!(TOKEN_TYPES as readonly string[]).includes(role.tokenType)) throw badRequest(`invalid 'token_type' value "${role.tokenType}"`);
  if (role.tokenNumUses < 0) throw badRequest('token_num_uses cannot be negative');
  const badCidr = invalidCidr(role.tokenBoundCidrs);
  if (badCidr !== null) throw badRequest(`invalid CIDR block "${badCidr}" in token_bound_cidrs`);
  if (role.tokenType === 'batch') {
    if (role.tokenPeriod > 0) throw badRequest('batch tokens cannot be periodic');
    if (role.tokenExplicitMaxTtl > 0) throw badRequest('batch tokens cannot have an explicit max TTL');
    if (role.tokenNumUses > 0) throw badRequest('batch tokens cannot have a limited number of uses');
  }
  if (role.tokenMaxTtl > 0 && role.tokenTtl > role.tokenMaxTtl) throw badRequest('"token_ttl" cannot be greater than "token_max_ttl"');
  role.allowedPolicies = sanitizePolicies(role.allowedPolicies, false);
  role.disallowedPolicies = sanitizePolicies(role.disallowedPolicies, false);
}

export function roleData(r: TokenRole): Record<string, unknown> {
  return {
    name: r.name,
    allowed_policies: r.allowedPolicies,
    disallowed_policies: r.disallowedPolicies,
    allowed_policies_glob: r.allowedPoliciesGlob,
    disallowed_policies_glob: r.disallowedPoliciesGlob,
    allowed_entity_aliases: r.allowedEntityAliases,
    orphan: r.orphan,
    renewable: r.renewable,
    path_suffix: r.pathSuffix,
    token_ttl: r.tokenTtl,
    token_max_ttl: r.tokenMaxTtl,
    token_explicit_max_ttl: r.tokenExplicitMaxTtl,
    token_period: r.tokenPeriod,
    token_policies: r.tokenPolicies,
    token_bound_cidrs: r.tokenBoundCidrs,
    token_no_default_policy: r.tokenNoDefaultPolicy,
    token_num_uses: r.tokenNumUses,
    token_type: r.tokenType,
    // Deprecated mirrors older clients still read.
    period: r.tokenPeriod,
    explicit_max_ttl: r.tokenExplicitMaxTtl,
    bound_cidrs: r.tokenBoundCidrs,
  };
}
