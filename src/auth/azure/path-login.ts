/**
 * `login` (role, jwt, subscription_id, resource_group_name, vm_name, vmss_name) in Vault's
 * order: required fields, config, role, token verification against the tenant's discovery
 * and JWKS, service-principal and group binds, then the resource (from `xms_mirid`, see
 * resource.ts). Refusals are 400s with Vault's texts where Vault has one.
 */
import { ipInCidrs } from '../../lib/cidr.js';
import { badRequest, permissionDenied } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import type { AuthView, LogicalRequest, RenewResult } from '../../sdk/logical.js';
import { equivalentPolicies, toAuthSpec } from '../token-fields.js';
import { verifyToken, VerifyError } from './oidc-verify.js';
import { issuerOf, loadConfig } from './path-config.js';
import { loadRole, type AzureRole } from './path-role.js';
import { parseMirid, ResourceError, verifyResource } from './resource.js';

export interface LoginDeps {
  timeoutMs: number;
  nowMs: () => number;
}

const strClaim = (v: unknown): string => (typeof v === 'string' ? v : '');

function verifyPrincipal(role: AzureRole, oid: string, groups: string[]): void {
  if (role.boundServicePrincipalIds.length > 0 && !(role.boundServicePrincipalIds.length === 1 && role.boundServicePrincipalIds[0] === '*') && !role.boundServicePrincipalIds.includes(oid)) {
    throw badRequest(`service principal not authorized: ${oid}`);
  }
  if (role.boundGroupIds.length > 0 && !groups.some((g) => role.boundGroupIds.includes(g))) throw badRequest(`groups not authorized: [${groups.join(' ')}]`);
}

export function loginPath(deps: LoginDeps) {
  return definePath({
    pattern: 'login',
    fields: {
      role: field.string({ description: 'Name of the role to log in against.' }),
      jwt: field.string({ description: 'A managed-identity access token for the configured resource.', sensitive: true }),
      subscription_id: field.string({ description: 'Subscription of the machine.' }),
      resource_group_name: field.string({ description: 'Resource group of the machine.' }),
      vm_name: field.string({ description: 'Virtual machine name.' }),
      vmss_name: field.string({ description: 'Virtual machine scale set name.' }),
    },
    synopsis: 'Log in with an Azure managed-identity token.',
    // The role the login names, when it exists: what role-scoped quotas key on (Vault's ResolveRoleOperation).
    resolveRole: async (req, d) => {
      const name = d.get('role');
      return name !== '' && (await loadRole(req.storage, name)) ? name : '';
    },
    operations: {
      async update(req, d) {
        const jwt = d.get('jwt');
        if (jwt === '') throw badRequest('jwt is required');
        const roleName = d.get('role');
        if (roleName === '') throw badRequest('role is required');
        const config = await loadConfig(req.storage);
        if (!config) throw badRequest('unable to retrieve backend configuration');
        const role = await loadRole(req.storage, roleName);
        if (!role) throw badRequest(`invalid role name "${roleName}"`);
        if (role.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, role.tokenBoundCidrs)) throw permissionDenied();
        let claims;
        try {
          claims = await verifyToken(jwt, { issuer: issuerOf(config), audience: config.resource, nowS: Math.floor(deps.nowMs() / 1000), timeoutMs: deps.timeoutMs });
        } catch (e) {
          if (e instanceof VerifyError) throw badRequest(e.message);
          throw e;
        }
        const oid = strClaim(claims['oid']);
        const groups = Array.isArray(claims['groups']) ? (claims['groups'] as unknown[]).filter((g): g is string => typeof g === 'string') : [];
        verifyPrincipal(role, oid, groups);
        let res;
        try {
          res = verifyResource(
            { subscriptionId: d.get('subscription_id'), resourceGroupName: d.get('resource_group_name'), vmName: d.get('vm_name'), vmssName: d.get('vmss_name') },
            parseMirid(strClaim(claims['xms_mirid'])),
            role,
          );
        } catch (e) {
          if (e instanceof ResourceError) throw badRequest(e.message);
          throw e;
        }
        const subject = strClaim(claims.sub);
        const metadata = { role: roleName, subscription_id: res.subscriptionId, resource_group_name: res.resourceGroup, vm_name: res.vmName, vmss_name: res.vmssName };
        return {
          auth: toAuthSpec(role, {
            displayName: subject,
            metadata,
            internalData: { role: roleName, oid, groups },
            alias: { name: subject, metadata: { resource_group_name: res.resourceGroup, subscription_id: res.subscriptionId } },
          }),
        };
      },
    },
  });
}

/** Renewal: the role must exist, keep its policies and still admit the principal. */
export async function renewAuth(req: LogicalRequest, auth: AuthView): Promise<RenewResult> {
  const roleName = strClaim(auth.internalData['role']);
  const role = roleName === '' ? null : await loadRole(req.storage, roleName);
  if (!role) throw badRequest(`role "${roleName}" no longer exists`);
  if (!equivalentPolicies(role.tokenPolicies, auth.policies)) throw badRequest(`policies on role "${roleName}" have changed, cannot renew`);
  const groups = Array.isArray(auth.internalData['groups']) ? (auth.internalData['groups'] as string[]) : [];
  verifyPrincipal(role, strClaim(auth.internalData['oid']), groups);
  return { ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl };
}
