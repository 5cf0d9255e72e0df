/** `auth/token/create`, `create-orphan` and `create/:role_name`. */
import { badRequest } from '../../sdk/errors.js';
import { definePath, field, genericName, type FieldData, type PathDef } from '../../sdk/index.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import { minPositive } from '../expiration/ttl.js';
import { authResponse, callerOf } from './caller.js';
import { isSubset, matchesAnyGlob, sanitizePolicies } from './policies.js';
import { readRole } from './roles.js';
import type { TokenStore } from './token-store.js';
import type { TokenAuthResponse, TokenEntry, TokenRole } from './types.js';

const createFields = {
  role_name: field.string({ description: 'Role to create the token against' }),
  id: field.string({ description: 'Custom token id (root/sudo only)', sensitive: true }),
  policies: field.commaStringSlice({ description: 'Token policies; default: the caller’s' }),
  meta: field.kvPairs({ description: 'Token metadata' }),
  no_parent: field.bool({ description: 'Create an orphan (root/sudo only)' }),
  no_default_policy: field.bool({ description: 'Do not attach the default policy' }),
  renewable: field.bool({ description: 'Allow renewal', default: true }),
  ttl: field.durationSecond({ description: 'Initial TTL' }),
  lease: field.durationSecond({ description: 'Deprecated: use ttl' }),
  explicit_max_ttl: field.durationSecond({ description: 'Hard TTL cap' }),
  period: field.durationSecond({ description: 'Periodic token period (root/sudo only)' }),
  display_name: field.string({ description: 'Display name' }),
  num_uses: field.int({ description: 'Maximum uses, 0 = unlimited' }),
  type: field.string({ description: '"service" or "batch"' }),
  entity_alias: field.string({ description: 'Alias on the token mount whose entity the token belongs to (with a role allowing it)' }),
};
type CreateFields = typeof createFields;
type Mode = 'create' | 'orphan' | 'role';

function displayNameOf(raw: string): string {
  if (raw === '') return 'token';
  return `token-${raw}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-+$/, '');
}

function checkCustomId(id: string): void {
  if (id.startsWith('hvs.') || id.startsWith('s.')) throw badRequest('custom token ID cannot have the "hvs." or "s." prefix');
  if (id.includes('.')) throw badRequest("custom token ID cannot contain the '.' character");
}

function resolveType(requested: string, role: TokenRole | null): 'service' | 'batch' {
  if (requested !== '' && requested !== 'service' && requested !== 'batch') throw badRequest(`invalid 'type' value "${requested}"`);
  const roleType = role?.tokenType ?? 'default-service';
  if (roleType === 'service' || roleType === 'batch') {
    if (requested !== '' && requested !== roleType) throw badRequest(`role "${role?.name ?? ''}" requires token type "${roleType}"`);
    return roleType;
  }
  if (requested === 'service' || requested === 'batch') return requested;
  return roleType === 'default-batch' ? 'batch' : 'service';
}

/** Applies the role's allow/deny lists, or the subset-of-parent rule without one. */
function resolvePolicies(requested: string[], caller: TokenEntry, role: TokenRole | null, isRoot: boolean): string[] {
  let policies = requested;
  const roleAllows = role !== null && (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0);
  if (policies.length === 0) {
    if (role && role.tokenPolicies.length > 0) policies = sanitizePolicies(role.tokenPolicies, false);
    else if (role && role.allowedPolicies.length > 0) policies = [...role.allowedPolicies];
    else policies = caller.policies.filter((p) => p !== 'default');
  }
  if (role) {
    const denied = policies.filter((p) => role.disallowedPolicies.includes(p) || matchesAnyGlob(p, role.disallowedPoliciesGlob));
    if (denied.length > 0) throw badRequest(`token policies (${JSON.stringify(policies)}) contain disallowed policies (${JSON.stringify(denied)})`);
  }
  if (roleAllows && role) {
    const ok = policies.every((p) => p === 'default' || role.allowedPolicies.includes(p) || matchesAnyGlob(p, role.allowedPoliciesGlob));
    if (!ok) throw badRequest(`token policies (${JSON.stringify(policies)}) must be subset of the role's allowed policies (${JSON.stringify(role.allowedPolicies)})`);
  } else if (!isRoot && !isSubset(caller.policies, policies.filter((p) => p !== 'default'))) {
    throw badRequest('child policies must be subset of parent');
  }
  if (policies.includes('root') && !isRoot) throw badRequest('root tokens may not be created without parent token being root');
  return policies;
}

async function handleCreate(store: TokenStore, req: LogicalRequest, d: FieldData<CreateFields>, mode: Mode): Promise<TokenAuthResponse> {
  const caller = await callerOf(store, req);
  const sudo = await store.hasSudo(caller, req.path);
  const isRoot = caller.policies.includes('root');
  const roleName = d.get('role_name');
  const role = roleName ? await readRole(store.storage, roleName) : null;
  if (roleName && !role) throw badRequest(`unknown role ${roleName}`);
  const warnings: string[] = [];

  let orphan = mode === 'orphan' || (role?.orphan ?? false);
  if (d.get('no_parent') && mode !== 'orphan') {
    if (!sudo) throw badRequest('root or sudo privileges required to create orphan token');
    orphan = true;
  }
  const id = d.get('id');
  if (id !== '') {
    if (!sudo) throw badRequest('root or sudo privileges required to specify token id');
    checkCustomId(id);
  }
  let period = d.get('period');
  if (period > 0 && !sudo) throw badRequest('root or sudo privileges required to create periodic token');
  if (role && role.tokenPeriod > 0) period = role.tokenPeriod;
  const explicitMaxTtl = minPositive(d.get('explicit_max_ttl'), role?.tokenExplicitMaxTtl ?? 0);
  let numUses = d.get('num_uses');
  if (numUses < 0) throw badRequest('number of uses cannot be negative');
  if (role && role.tokenNumUses > 0 && (numUses === 0 || numUses > role.tokenNumUses)) numUses = role.tokenNumUses;
  const type = resolveType(d.get('type'), role);
  const policies = resolvePolicies(sanitizePolicies(d.get('policies'), false), caller, role, isRoot);
  const entityId = await entityOf(store, caller, role, d.get('entity_alias'));

  const path = role ? `auth/token/create/${role.name}${role.pathSuffix ? `/${role.pathSuffix}` : ''}` : mode === 'orphan' ? 'auth/token/create-orphan' : 'auth/token/create';
  const created = await store.createWithWarnings({
    ...(id !== '' ? { id } : {}),
    policies,
    noDefaultPolicy: d.get('no_default_policy') || (role?.tokenNoDefaultPolicy ?? false),
    meta: d.get('meta'),
    parentId: orphan ? '' : caller.id,
    displayName: displayNameOf(d.get('display_name')),
    ttl: d.get('ttl') || d.get('lease'),
    explicitMaxTtl,
    period,
    numUses,
    type,
    renewable: d.get('renewable') && (role?.renewable ?? true),
    path,
    role: role?.name ?? '',
    boundCidrs: role?.tokenBoundCidrs ?? [],
    defaultTtl: role?.tokenTtl ?? 0,
    maxTtl: role?.tokenMaxTtl ?? 0,
    entityId,
  });
  for (const p of created.entry.policies) {
    if (p !== 'root' && !(await store.policyExists(p))) warnings.push(`Policy "${p}" does not exist`);
  }
  return authResponse(store, created.entry, [...warnings, ...created.warnings]);
}

/**
 * The new token's entity: the caller's (a child belongs to its parent's entity, as in
 * Vault), or with `entity_alias` the entity behind that alias on the token mount, which
 * the role must allow (exactly or by glob, compared lower-cased as Vault does).
 */
async function entityOf(store: TokenStore, caller: TokenEntry, role: TokenRole | null, alias: string): Promise<string> {
  if (alias === '') return caller.entityId;
  if (!role) throw badRequest("'entity_alias' is only allowed in combination with token role");
  const lower = alias.toLowerCase();
  const allowed = role.allowedEntityAliases.map((a) => a.toLowerCase());
  if (!allowed.includes(lower) && !matchesAnyGlob(lower, allowed)) throw badRequest("invalid 'entity_alias' value");
  return store.entityForAlias(alias);
}

export function createPaths(store: TokenStore): PathDef[] {
  const op = (mode: Mode) => ({
    update: (req: LogicalRequest, d: FieldData<CreateFields>) => handleCreate(store, req, d, mode),
  });
  return [
    definePath({ pattern: 'create', fields: createFields, synopsis: 'Create a child token', operations: op('create') }),
    definePath({ pattern: 'create-orphan', fields: createFields, synopsis: 'Create an orphan token', operations: op('orphan') }),
    definePath({
      pattern: `create/${genericName('role_name')}`,
      fields: createFields,
      synopsis: 'Create a token against a role',
      operations: op('role'),
    }),
  ];
}
