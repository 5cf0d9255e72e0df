/**
 * A JWT/OIDC role as stored, and building one from a write over the stored one (fields
 * not supplied keep their value). Validation follows Vault's role rules and texts.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { field } from '../../sdk/framework/fields.js';
import { getJSON, type Storage } from '../../sdk/storage.js';
import { legacyTokenFields, parseTokenFields, tokenFields, type TokenParams } from '../token-fields.js';

export interface JwtRole extends TokenParams {
  roleType: 'jwt' | 'oidc';
  boundAudiences: string[];
  boundSubject: string;
  boundClaims: Record<string, string | string[]>;
  boundClaimsType: 'string' | 'glob';
  claimMappings: Record<string, string>;
  userClaim: string;
  userClaimJsonPointer: boolean;
  groupsClaim: string;
  oidcScopes: string[];
  allowedRedirectUris: string[];
  verboseOidcLogging: boolean;
  clockSkewLeeway: number;
  expirationLeeway: number;
  notBeforeLeeway: number;
  maxAge: number;
}

export const roleKey = (name: string): string => `role/${name}`;

export const loadRole = (s: Storage, name: string): Promise<JwtRole | null> => getJSON<JwtRole>(s, roleKey(name.toLowerCase()));

export const roleFields = {
  name: field.lowerCaseString({ description: 'Name of the role.', required: true }),
  role_type: field.string({ description: '"jwt" or "oidc" (default).' }),
  bound_audiences: field.commaStringSlice({ description: 'The JWT "aud" claim must contain one of these.' }),
  bound_subject: field.string({ description: 'The JWT "sub" claim must equal this.' }),
  bound_claims: field.map({ description: 'Claims (names or JSON pointers) and the values they must have.' }),
  bound_claims_type: field.string({ description: '"string" (exact) or "glob" ("*" wildcards).' }),
  claim_mappings: field.map({ description: 'Claims copied into the alias metadata: claim → metadata key.' }),
  user_claim: field.string({ description: 'Claim whose value names the identity alias.' }),
  user_claim_json_pointer: field.bool({ description: 'Read user_claim as a JSON pointer.' }),
  groups_claim: field.string({ description: 'Claim listing the groups (group aliases) of the user.' }),
  oidc_scopes: field.commaStringSlice({ description: 'Scopes requested in the OIDC flow besides "openid".' }),
  allowed_redirect_uris: field.commaStringSlice({ description: 'Redirect URIs allowed in the OIDC flow.' }),
  verbose_oidc_logging: field.bool({ description: 'Log the claims received in the OIDC flow (debugging only).' }),
  clock_skew_leeway: field.signedDurationSecond({ description: 'Leeway for all time claims; 0 = 60s, -1 = none.' }),
  expiration_leeway: field.signedDurationSecond({ description: 'Leeway for a missing "exp"; 0 = 150s, -1 = none.' }),
  not_before_leeway: field.signedDurationSecond({ description: 'Leeway for a missing "nbf"; 0 = 150s, -1 = none.' }),
  max_age: field.durationSecond({ description: 'OIDC max_age: how long ago the user may have authenticated.' }),
  ...tokenFields,
  ...legacyTokenFields,
};

type RoleData = FieldData<typeof roleFields>;

function stringMap(raw: Record<string, unknown>, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  const targets = new Set<string>();
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw badRequest(`${name} values must be strings (found one for "${k}")`);
    if (targets.has(v)) throw badRequest(`${name} contained duplicate target value "${v}"`);
    targets.add(v);
    out[k] = v;
  }
  return out;
}

function boundClaims(raw: Record<string, unknown>, type: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = [...(v as string[])];
    else if (type === 'glob') throw badRequest(`claim is not a string or list: ${JSON.stringify(v)}`);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw badRequest(`bound claim is not a string or list: ${JSON.stringify(v)}`);
  }
  return out;
}

export function buildRole(d: RoleData, existing: JwtRole | null): JwtRole {
  const roleType = d.opt('role_type') || existing?.roleType || 'oidc';
  if (roleType !== 'jwt' && roleType !== 'oidc') throw badRequest(`invalid 'role_type': ${roleType}`);
  const claimsType = d.opt('bound_claims_type') || existing?.boundClaimsType || 'string';
  if (claimsType !== 'string' && claimsType !== 'glob') throw badRequest(`invalid 'bound_claims_type': ${claimsType}`);
  const role: JwtRole = {
    ...parseTokenFields(d, existing ?? undefined),
    roleType,
    boundAudiences: d.opt('bound_audiences') ?? existing?.boundAudiences ?? [],
    boundSubject: d.opt('bound_subject') ?? existing?.boundSubject ?? '',
    boundClaimsType: claimsType,
    boundClaims: d.has('bound_claims') ? boundClaims(d.get('bound_claims'), claimsType) : existing?.boundClaims ?? {},
    claimMappings: d.has('claim_mappings') ? stringMap(d.get('claim_mappings'), 'claim_mappings') : existing?.claimMappings ?? {},
    userClaim: d.opt('user_claim') ?? existing?.userClaim ?? '',
    userClaimJsonPointer: d.opt('user_claim_json_pointer') ?? existing?.userClaimJsonPointer ?? false,
    groupsClaim: d.opt('groups_claim') ?? existing?.groupsClaim ?? '',
    oidcScopes: d.opt('oidc_scopes') ?? existing?.oidcScopes ?? [],
    allowedRedirectUris: d.opt('allowed_redirect_uris') ?? existing?.allowedRedirectUris ?? [],
    verboseOidcLogging: d.opt('verbose_oidc_logging') ?? existing?.verboseOidcLogging ?? false,
    clockSkewLeeway: d.opt('clock_skew_leeway') ?? existing?.clockSkewLeeway ?? 60,
    expirationLeeway: d.opt('expiration_leeway') ?? existing?.expirationLeeway ?? 150,
    notBeforeLeeway: d.opt('not_before_leeway') ?? existing?.notBeforeLeeway ?? 150,
    maxAge: d.opt('max_age') ?? existing?.maxAge ?? 0,
  };
  if (role.userClaim === '') throw badRequest('a user claim must be defined on the role');
  if (role.roleType === 'jwt' && role.boundAudiences.length === 0 && Object.keys(role.boundClaims).length === 0 && role.boundSubject === '') {
    throw badRequest('must have at least one bound constraint when creating/updating a role');
  }
  if (role.roleType === 'oidc' && role.allowedRedirectUris.length === 0) {
    throw badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }
  return role;
}
