/** The AppRole role model: defaults, invariants and the read shape. */
import { uuid } from '../../lib/ids.js';
import { invalidCidr, ipInCidrs } from '../../lib/cidr.js';
import { isIP } from 'node:net';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { genericName } from '../../sdk/framework/path.js';
import { defaultTokenParams, tokenFieldsResponse, validateTokenParams, type TokenParams } from '../token-fields.js';

/** A stored role. TTLs in seconds. */
export interface RoleEntry {
  name: string;
  roleId: string;
  bindSecretId: boolean;
  secretIdBoundCidrs: string[];
  secretIdNumUses: number;
  secretIdTtl: number;
  localSecretIds: boolean;
  token: TokenParams;
}

/** `role/<role_name>`: word characters at both ends, "-" and "." inside. */
export const ROLE = `role/${genericName('role_name')}`;

/** The role name captured from the URL, lower-cased because names are case-insensitive. */
export const roleNameField = field.lowerCaseString({ description: 'Name of the role (case-insensitive)', required: true });

export function newRole(name: string): RoleEntry {
  return {
    name,
    roleId: uuid(),
    bindSecretId: true,
    secretIdBoundCidrs: [],
    secretIdNumUses: 0,
    secretIdTtl: 0,
    localSecretIds: false,
    token: defaultTokenParams(),
  };
}

/** Rejects a role that could not be stored: bad CIDRs, negative counts, no constraint at all. */
export function validateRole(role: RoleEntry): void {
  const bad = invalidCidr(role.secretIdBoundCidrs);
  if (bad !== null) throw badRequest(`invalid CIDR block "${bad}" in secret_id_bound_cidrs`);
  if (role.secretIdNumUses < 0) throw badRequest('secret_id_num_uses cannot be negative');
  validateTokenParams(role.token);
  // Without any of these, knowing the (non-secret) role_id alone would be enough to log in.
  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.token.tokenBoundCidrs.length === 0) {
    throw badRequest('at least one constraint should be enabled on the role');
  }
}

/** What GET role/<name> returns (no role_id: that has its own path). */
export function roleData(role: RoleEntry): Record<string, unknown> {
  return {
    bind_secret_id: role.bindSecretId,
    secret_id_bound_cidrs: [...role.secretIdBoundCidrs],
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    local_secret_ids: role.localSecretIds,
    ...tokenFieldsResponse(role.token, { legacy: true }),
  };
}

function splitCidr(c: string): { net: string; bits: number; family: number } {
  const [net = '', bitsText] = c.trim().split('/');
  const family = isIP(net);
  return { net, family, bits: bitsText === undefined ? (family === 4 ? 32 : 128) : Number(bitsText) };
}

/** The first entry of `children` not inside any of `parents`, or null. Empty `parents` = no limit. */
export function cidrOutside(children: readonly string[], parents: readonly string[]): string | null {
  if (parents.length === 0) return null;
  for (const child of children) {
    const c = splitCidr(child);
    const inside = parents.some((parent) => {
      const p = splitCidr(parent);
      return p.family === c.family && c.bits >= p.bits && ipInCidrs(c.net, [parent]);
    });
    if (!inside) return child;
  }
  return null;
}
