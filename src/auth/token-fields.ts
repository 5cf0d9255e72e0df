/**
 * The `token_*` fields every auth method's role or user carries (reference §3/§4), with
 * their deprecated spellings, in one table so userpass, AppRole and Kubernetes parse,
 * validate, echo and turn them into a login token the same way.
 */
import { invalidCidr } from '../lib/cidr.js';
import { badRequest } from '../sdk/errors.js';
import { field } from '../sdk/framework/fields.js';
import type { AuthSpec } from '../sdk/logical.js';

export type TokenType = 'default' | 'service' | 'batch' | 'default-service' | 'default-batch';

const TOKEN_TYPES: readonly string[] = ['default', 'service', 'batch', 'default-service', 'default-batch'];

/** The token settings a role or user keeps (TTLs in seconds). Stored as-is in backend storage. */
export interface TokenParams {
  tokenPolicies: string[];
  tokenTtl: number;
  tokenMaxTtl: number;
  tokenExplicitMaxTtl: number;
  tokenPeriod: number;
  tokenNumUses: number;
  tokenBoundCidrs: string[];
  tokenNoDefaultPolicy: boolean;
  tokenType: TokenType;
}

/** Fresh defaults: nothing set, so the mount's TTLs and the service type apply. */
export const defaultTokenParams = (): TokenParams => ({
  tokenPolicies: [],
  tokenTtl: 0,
  tokenMaxTtl: 0,
  tokenExplicitMaxTtl: 0,
  tokenPeriod: 0,
  tokenNumUses: 0,
  tokenBoundCidrs: [],
  tokenNoDefaultPolicy: false,
  tokenType: 'default',
});

/** The shared field table; spread it into a path's `fields`. */
export const tokenFields = {
  token_policies: field.commaStringSlice({ description: 'Policies attached to issued tokens.' }),
  policies: field.commaStringSlice({ description: 'Deprecated: use token_policies.' }),
  token_ttl: field.durationSecond({ description: 'Initial TTL of issued tokens.' }),
  token_max_ttl: field.durationSecond({ description: 'Maximum lifetime of issued tokens.' }),
  token_explicit_max_ttl: field.durationSecond({ description: 'Hard cap on token lifetime, renewals included.' }),
  token_period: field.durationSecond({ description: 'Makes issued tokens periodic with this period.' }),
  period: field.durationSecond({ description: 'Deprecated: use token_period.' }),
  token_num_uses: field.int({ description: 'Uses allowed per issued token (0 = unlimited).' }),
  token_bound_cidrs: field.commaStringSlice({ description: 'CIDRs allowed to use issued tokens.' }),
  token_no_default_policy: field.bool({ description: 'Leave the default policy off issued tokens.' }),
  token_type: field.string({ description: 'service, batch or default.', default: 'default' }),
};

/**
 * Older deprecated spellings some methods still accept (userpass: ttl, max_ttl,
 * bound_cidrs; kubernetes also num_uses). Opt-in, because AppRole never had them and
 * accepting them there would silently swallow typos.
 */
export const legacyTokenFields = {
  ttl: field.durationSecond({ description: 'Deprecated: use token_ttl.' }),
  max_ttl: field.durationSecond({ description: 'Deprecated: use token_max_ttl.' }),
  num_uses: field.int({ description: 'Deprecated: use token_num_uses.' }),
  bound_cidrs: field.commaStringSlice({ description: 'Deprecated: use token_bound_cidrs.' }),
};

export type TokenFields = typeof tokenFields;

/** What parseTokenFields reads; any FieldData whose table includes `tokenFields` fits. */
export interface TokenFieldSource {
  has(name: string): boolean;
  opt(name: string): unknown;
}

/** Lower-cased, trimmed, de-duplicated and sorted, as Vault stores policy lists. */
export function sanitizePolicyList(list: readonly string[]): string[] {
  return [...new Set(list.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))].sort();
}

/** The supplied value of `name`, else of its deprecated twin, else undefined: the new name wins. */
function pick<T>(d: TokenFieldSource, name: string, legacy?: string): T | undefined {
  if (d.has(name)) return d.opt(name) as T;
  if (legacy !== undefined && d.has(legacy)) return d.opt(legacy) as T;
  return undefined;
}

/** Applies supplied token fields over `base` (a partial update) and validates the result. */
export function parseTokenFields(d: TokenFieldSource, base: TokenParams = defaultTokenParams()): TokenParams {
  const p: TokenParams = { ...base, tokenPolicies: [...base.tokenPolicies], tokenBoundCidrs: [...base.tokenBoundCidrs] };
  const policies = pick<string[]>(d, 'token_policies', 'policies');
  if (policies !== undefined) p.tokenPolicies = sanitizePolicyList(policies);
  p.tokenTtl = pick<number>(d, 'token_ttl', 'ttl') ?? p.tokenTtl;
  p.tokenMaxTtl = pick<number>(d, 'token_max_ttl', 'max_ttl') ?? p.tokenMaxTtl;
  p.tokenExplicitMaxTtl = pick<number>(d, 'token_explicit_max_ttl') ?? p.tokenExplicitMaxTtl;
  p.tokenPeriod = pick<number>(d, 'token_period', 'period') ?? p.tokenPeriod;
  p.tokenNumUses = pick<number>(d, 'token_num_uses', 'num_uses') ?? p.tokenNumUses;
  p.tokenBoundCidrs = pick<string[]>(d, 'token_bound_cidrs', 'bound_cidrs') ?? p.tokenBoundCidrs;
  p.tokenNoDefaultPolicy = pick<boolean>(d, 'token_no_default_policy') ?? p.tokenNoDefaultPolicy;
  const type = pick<string>(d, 'token_type');
  if (type !== undefined) {
    const t = type === '' ? 'default' : type;
    if (!TOKEN_TYPES.includes(t)) throw badRequest(`invalid 'token_type' value "${type}"`);
    p.tokenType = t as TokenType;
  }
  validateTokenParams(p);
  return p;
}

/** The invariants a stored TokenParams must keep; also used after single-field updates. */
export function validateTokenParams(p: TokenParams): void {
  if (p.tokenNumUses < 0) throw badRequest('token_num_uses cannot be negative');
  if (p.tokenMaxTtl > 0 && p.tokenTtl > p.tokenMaxTtl) throw badRequest('token_ttl should not be greater than token_max_ttl');
  const bad = invalidCidr(p.tokenBoundCidrs);
  if (bad !== null) throw badRequest(`invalid CIDR block "${bad}" in token_bound_cidrs`);
  const batch = p.tokenType === 'batch' || p.tokenType === 'default-batch';
  if (batch && p.tokenPeriod > 0) throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
  if (batch && p.tokenNumUses > 0) throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count");
  if (batch && p.tokenExplicitMaxTtl > 0) throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with an explicit max TTL");
}

/**
 * The fields as a read shows them (seconds). With `legacy`, the deprecated `policies` and
 * `period` mirrors are added when set, as Vault does for clients that still read them.
 */
export function tokenFieldsResponse(p: TokenParams, o: { legacy?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    token_policies: [...p.tokenPolicies],
    token_ttl: p.tokenTtl,
    token_max_ttl: p.tokenMaxTtl,
    token_explicit_max_ttl: p.tokenExplicitMaxTtl,
    token_period: p.tokenPeriod,
    token_num_uses: p.tokenNumUses,
    token_bound_cidrs: [...p.tokenBoundCidrs],
    token_no_default_policy: p.tokenNoDefaultPolicy,
    token_type: p.tokenType,
  };
  if (o.legacy) {
    if (p.tokenPolicies.length > 0) out.policies = [...p.tokenPolicies];
    if (p.tokenPeriod > 0) out.period = p.tokenPeriod;
  }
  return out;
}

/** A login result built from stored token settings; the core turns it into a token. */
export function toAuthSpec(
  p: TokenParams,
  o: { displayName: string; metadata: Record<string, string>; internalData: Record<string, unknown>; alias?: AuthSpec['alias']; boundCidrs?: string[] },
): AuthSpec {
  return {
    policies: [...p.tokenPolicies],
    metadata: { ...o.metadata },
    displayName: o.displayName,
    ttl: p.tokenTtl,
    maxTtl: p.tokenMaxTtl,
    explicitMaxTtl: p.tokenExplicitMaxTtl,
    period: p.tokenPeriod,
    numUses: p.tokenNumUses,
    renewable: true,
    boundCidrs: [...(o.boundCidrs ?? p.tokenBoundCidrs)],
    tokenType: p.tokenType,
    noDefaultPolicy: p.tokenNoDefaultPolicy,
    internalData: { ...o.internalData },
    ...(o.alias ? { alias: o.alias } : {}),
  };
}

/** Policy lists equal apart from order, case and the implicit `default`, for renewal checks. */
export function equivalentPolicies(a: readonly string[], b: readonly string[]): boolean {
  const norm = (l: readonly string[]) => sanitizePolicyList(l).filter((p) => p !== 'default');
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((p, i) => p === y[i]);
}
