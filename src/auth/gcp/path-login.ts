/**
 * `login` (role, jwt) for the iam type, in Vault's order: role, JWT parse, the signing key
 * by `kid` (Google-wide, then the subject's own keys), signature, base claims, CIDRs, the
 * role's max_jwt_exp, then the project and service-account binds. Refusals are 400s with
 * Vault's texts. The service account is read from the verified claims (README: no IAM call).
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { ipInCidrs } from '../../lib/cidr.js';
import { badRequest, permissionDenied } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import type { AuthView, LogicalRequest, RenewResult } from '../../sdk/logical.js';
import { equivalentPolicies, toAuthSpec } from '../token-fields.js';
import { checkClaims, ClaimError, projectOf, type ServiceAccountClaims } from './jwt-claims.js';
import { DEFAULT_API_ENDPOINT, KeyError, signingKey } from './signing-keys.js';
import { loadConfig } from './path-config.js';
import { loadRole, type GcpRole } from './path-role.js';

export interface LoginDeps {
  timeoutMs: number;
  nowMs: () => number;
}

interface Account {
  email: string;
  uniqueId: string;
  projectId: string;
}

/** Go's %+v of a string slice: [a b]. */
const goList = (l: readonly string[]): string => `[${l.join(' ')}]`;

export function authorizeAccount(a: Account, role: GcpRole): void {
  if (role.boundProjects.length > 0 && !role.boundProjects.includes(a.projectId)) {
    throw badRequest(`service account "${a.email}" not in bound projects ${goList(role.boundProjects)}`);
  }
  if (role.boundServiceAccounts.length === 1 && role.boundServiceAccounts[0] === '*') return;
  if ((a.email !== '' && role.boundServiceAccounts.includes(a.email)) || (a.uniqueId !== '' && role.boundServiceAccounts.includes(a.uniqueId))) return;
  throw badRequest(`service account ${a.email} (id: ${a.uniqueId}) is not authorized for role`);
}

async function verify(jwt: string, api: string, roleName: string, deps: LoginDeps): Promise<ServiceAccountClaims> {
  let kid: string;
  let sub: string;
  try {
    const header = decodeProtectedHeader(jwt);
    kid = typeof header.kid === 'string' ? header.kid : '';
    const unverified = decodeJwt(jwt);
    sub = typeof unverified.sub === 'string' ? unverified.sub : '';
  } catch (e) {
    throw badRequest(`unable to parse signed JWT: ${(e as Error).message}`);
  }
  if (sub === '') throw badRequest("unable to get public key for signed JWT: expected 'sub' claim from JWT");
  let payload: JWTPayload;
  try {
    const key = await signingKey(api, kid, sub, deps.timeoutMs);
    const verified = await compactVerify(jwt, key, { algorithms: ['RS256'] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as JWTPayload;
  } catch (e) {
    if (e instanceof KeyError) throw badRequest(`unable to get public key for signed JWT: ${e.message}`);
    throw badRequest('square/go-jose: error in cryptographic primitive');
  }
  try {
    return checkClaims(payload, roleName, Math.floor(deps.nowMs() / 1000));
  } catch (e) {
    if (e instanceof ClaimError) throw badRequest(e.message);
    throw e;
  }
}

export function loginPath(deps: LoginDeps) {
  return definePath({
    pattern: 'login',
    fields: {
      role: field.string({ description: 'Name of the role to log in against.' }),
      jwt: field.string({ description: 'A JWT signed by the service account (signJwt) or a Google identity token.', sensitive: true }),
    },
    synopsis: 'Log in with a service-account-signed JWT (iam type).',
    // The role the login names, when it exists: what role-scoped quotas key on (Vault's ResolveRoleOperation).
    resolveRole: async (req, d) => {
      const name = d.get('role');
      return name !== '' && (await loadRole(req.storage, name)) ? name : '';
    },
    operations: {
      async update(req, d) {
        const roleName = d.get('role');
        if (roleName === '') throw badRequest('role is required');
        const role = await loadRole(req.storage, roleName);
        if (!role) throw badRequest(`role "${roleName}" not found`);
        const jwt = d.get('jwt');
        if (jwt === '') throw badRequest('jwt argument is required');
        const config = await loadConfig(req.storage);
        const claims = await verify(jwt, config.apiEndpoint || DEFAULT_API_ENDPOINT, roleName, deps);
        if (role.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, role.tokenBoundCidrs)) throw permissionDenied();
        if (claims.exp * 1000 > deps.nowMs() + role.maxJwtExp * 1000) throw badRequest(`role requires that service account JWTs expire within ${role.maxJwtExp} seconds`);
        const account: Account = { email: claims.email, uniqueId: claims.uniqueId, projectId: projectOf(claims.email) };
        authorizeAccount(account, role);
        const available: Record<string, string> = {
          project_id: account.projectId, role: roleName, service_account_id: account.uniqueId, service_account_email: account.email,
        };
        const metadata = Object.fromEntries(config.iamMetadata.map((k) => [k, available[k] ?? '']));
        // Vault's unique_id alias comes from an IAM lookup Ward does not make: a signJwt JWT names
        // only the email, an identity token both. The email is used when known so that both
        // kinds of login reach the same entity; the numeric ID only when no email is given.
        const alias = config.iamAlias === 'role_id' ? role.roleId : account.email || account.uniqueId;
        return {
          auth: toAuthSpec(role, {
            displayName: account.email || account.uniqueId,
            metadata,
            internalData: { role: roleName, ...available },
            alias: { name: alias, metadata },
          }),
        };
      },
    },
  });
}

/** Renewal: the role must exist with the same policies and still bind the account. */
export async function renewAuth(req: LogicalRequest, auth: AuthView): Promise<RenewResult> {
  const str = (k: string): string => (typeof auth.internalData[k] === 'string' ? (auth.internalData[k] as string) : '');
  const roleName = str('role');
  if (roleName === '') throw badRequest('role name metadata not associated with auth token, invalid');
  const role = await loadRole(req.storage, roleName);
  if (!role) throw badRequest(`role "${roleName}" no longer exists`);
  if (!equivalentPolicies(role.tokenPolicies, auth.policies)) throw badRequest(`policies on role "${roleName}" have changed, cannot renew`);
  try {
    authorizeAccount({ email: str('service_account_email'), uniqueId: str('service_account_id'), projectId: str('project_id') }, role);
  } catch {
    throw badRequest(`service account is no longer authorized for role ${roleName}`);
  }
  return { ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl };
}
