/**
 * `login` (role, jwt) and renewal. The order and texts follow Vault's plugin: role,
 * role type, CIDRs, signature and registered claims, the audience rule, the identity
 * (user claim, claim mappings, groups) and last the bound claims.
 */
import { ipInCidrs } from '../../lib/cidr.js';
import { badRequest, permissionDenied } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import type { AuthSpec, AuthView, LogicalRequest, RenewResult } from '../../sdk/logical.js';
import { toAuthSpec } from '../token-fields.js';
import { checkBoundClaims, checkRegisteredClaims, extractMetadata, getClaim, hasAudience, type Claims } from './claims.js';
import { SUPPORTED_ALGS, type KeySetCache } from './keyset.js';
import { loadConfig, type JwtConfig } from './path-config.js';
import { loadRole, type JwtRole } from './role.js';

export interface LoginDeps {
  keys: KeySetCache;
  nowMs: () => number;
}

/** The role a login names, or the config's default_role. */
export async function roleForLogin(req: LogicalRequest, config: JwtConfig, requested: string): Promise<{ name: string; role: JwtRole }> {
  const name = requested !== '' ? requested : config.defaultRole;
  if (name === '') throw badRequest('missing role');
  const role = await loadRole(req.storage, name);
  if (!role) throw badRequest(`role "${name}" could not be found`);
  return { name, role };
}

/** Alias, group aliases and metadata from verified claims (Vault's createIdentity). */
export function identityFromClaims(claims: Claims, roleName: string, role: JwtRole): { alias: NonNullable<AuthSpec['alias']>; groups: string[] } {
  const user = role.userClaimJsonPointer ? getClaim(claims, role.userClaim) : claims[role.userClaim];
  if (user === undefined || user === null) throw badRequest(`claim "${role.userClaim}" not found in token`);
  if (typeof user !== 'string') throw badRequest(`claim "${role.userClaim}" could not be converted to string`);
  let metadata: Record<string, string>;
  try {
    metadata = extractMetadata(claims, role.claimMappings);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  metadata['role'] = roleName;
  const groups: string[] = [];
  if (role.groupsClaim !== '') {
    const raw = getClaim(claims, role.groupsClaim);
    if (raw === undefined || raw === null) throw badRequest(`failed to fetch groups: "${role.groupsClaim}" claim not found in token`);
    const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : null;
    if (list === null) throw badRequest(`"${role.groupsClaim}" claim could not be converted to string list`);
    for (const g of list) {
      if (typeof g !== 'string') throw badRequest(`value ${JSON.stringify(g)} in groups claim could not be parsed as string`);
      if (g !== '') groups.push(g);
    }
  }
  return { alias: { name: user, metadata }, groups };
}

/** Signature, algorithm and registered claims; every failure is Vault's "error validating token". */
export async function validateJwt(token: string, config: JwtConfig, role: JwtRole, deps: LoginDeps): Promise<Claims> {
  const algs = config.supportedAlgs.length > 0 ? config.supportedAlgs : [...SUPPORTED_ALGS];
  try {
    const claims = await deps.keys.verify(token, config, algs);
    checkRegisteredClaims(claims, {
      issuer: config.boundIssuer,
      subject: role.boundSubject,
      audiences: role.boundAudiences,
      clockSkewLeeway: role.clockSkewLeeway,
      expirationLeeway: role.expirationLeeway,
      notBeforeLeeway: role.notBeforeLeeway,
      nowSeconds: Math.floor(deps.nowMs() / 1000),
    });
    return claims;
  } catch (e) {
    throw badRequest(`error validating token: ${(e as Error).message}`);
  }
}

/** The login result once claims are verified and bound: shared by `login` and the OIDC callback. */
export function authFor(claims: Claims, roleName: string, role: JwtRole): AuthSpec {
  const { alias, groups } = identityFromClaims(claims, roleName, role);
  try {
    checkBoundClaims(role.boundClaimsType, role.boundClaims, claims);
  } catch (e) {
    throw badRequest(`error validating claims: ${(e as Error).message}`);
  }
  return {
    // The groups ride with the token: renewal hands them back, as Vault keeps them on the lease.
    ...toAuthSpec(role, { displayName: alias.name, metadata: { ...alias.metadata }, internalData: { role: roleName, groups }, alias }),
    groupAliases: groups.map((name) => ({ name })),
  };
}

export function loginPath(deps: LoginDeps) {
  return definePath({
    pattern: 'login',
    fields: {
      role: field.lowerCaseString({ description: 'The role to log in against.' }),
      jwt: field.string({ description: 'The signed JWT to validate.', sensitive: true }),
    },
    synopsis: 'Authenticate with a JWT (or OIDC ID token).',
    operations: {
      async update(req, d) {
        const config = await loadConfig(req.storage);
        if (!config) throw badRequest('could not load configuration');
        const { name, role } = await roleForLogin(req, config, d.get('role'));
        if (role.roleType === 'oidc') throw badRequest('role with oidc role_type is not allowed');
        const token = d.get('jwt');
        if (token === '') throw badRequest('missing token');
        if (role.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, role.tokenBoundCidrs)) throw permissionDenied();
        const claims = await validateJwt(token, config, role, deps);
        // A role without bound audiences must not accept tokens minted for some audience.
        if (role.boundAudiences.length === 0 && hasAudience(claims)) throw badRequest('audience claim found in JWT but no audiences bound to the role');
        return { auth: authFor(claims, name, role) };
      },
    },
  });
}

/**
 * Renewal: the role must still exist; its current TTLs apply. The provider is not asked
 * again (Vault's plugin keeps no refresh token): the login's groups are handed back, so
 * the entity's external groups on this mount are those the token's login reported.
 */
export async function renewAuth(req: LogicalRequest, auth: AuthView): Promise<RenewResult> {
  const roleName = typeof auth.internalData['role'] === 'string' ? auth.internalData['role'] : '';
  const role = roleName === '' ? null : await loadRole(req.storage, roleName);
  if (!role) throw badRequest(`role ${roleName} does not exist during renewal`);
  const groups = auth.internalData['groups'];
  // A token issued before its groups were kept reports none, so renewal leaves memberships be.
  if (!Array.isArray(groups)) return { ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl };
  const names = groups.filter((g): g is string => typeof g === 'string');
  return { ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl, groupAliases: names.map((name) => ({ name })) };
}
