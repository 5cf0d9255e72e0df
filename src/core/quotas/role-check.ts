/**
 * The role half of the quota check (Vault's withRoleRateLimitQuotaWrapping): for a request
 * to an auth mount that has role-scoped quotas, the mount's backend resolves the login's
 * role from the request's data (its `login` path's resolveRole, Vault's
 * ResolveRoleOperation), and the quotas are applied with that role. Every other request
 * answers null at once, without a promise, so paths without role quotas pay nothing.
 */
import { roleResolverOf } from '../../sdk/framework/backend.js';
import type { Connection, LogicalRequest } from '../../sdk/logical.js';
import type { Router } from '../router/router.js';
import type { QuotaManager, Refusal } from './quota-manager.js';

export interface RoleCheckInput {
  path: string;
  data: Record<string, unknown>;
  connection: Connection;
  /** The address quotas count the client by. */
  client: string;
}

/** Whether the backend mounted at `mount` resolves a login's role (role quotas may be put on it). */
export function resolvesRoles(router: Router, mount: string): boolean {
  const route = router.get(mount);
  return route !== undefined && route.entry.table === 'auth' && roleResolverOf(route.backend) !== undefined;
}

/** The role check's answer: a refusal, or the role-scoped lease-count quota the login's token is to count under. */
export interface RoleVerdict {
  refusal: Refusal | null;
  leaseQuota: string | null;
}

/**
 * After the pipeline, whatever its outcome (null: it failed): the login's token (a service
 * token's accessor) counts under its role's lease-count quota, or its held place is freed.
 */
export function recordRoleLogin(quotas: QuotaManager, leaseQuota: string, auth: Record<string, unknown> | null): void {
  const accessor = auth?.['accessor'];
  // Batch tokens have no accessor and no lease: Vault does not count them either.
  quotas.roleLoginDone(leaseQuota, typeof accessor === 'string' && accessor !== '' ? accessor : null);
}

/**
 * null when no role quota covers the path; else the verdict once the role is resolved.
 * `alive` tells whether a token (by accessor) still exists, for lease counting.
 */
export function roleQuotaCheck(quotas: QuotaManager, router: Router, input: RoleCheckInput, now: () => number, alive: (accessor: string) => Promise<boolean>): Promise<RoleVerdict> | null {
  const mount = quotas.roleMountOf(input.path);
  if (mount === null) return null;
  return (async () => {
    const route = router.get(mount);
    const resolve = route ? roleResolverOf(route.backend) : undefined;
    let role = '';
    if (route && resolve) {
      // Vault resolves against the mount's `login` path whatever the request's path is.
      const req: LogicalRequest = {
        id: 'quota-role',
        operation: 'update',
        path: 'login',
        data: input.data,
        storage: route.storage,
        mountPoint: route.prefix,
        mountType: route.entry.type,
        mountAccessor: route.entry.accessor,
        clientToken: '',
        caller: null,
        connection: input.connection,
        headers: {},
        wrapTtl: 0,
      };
      role = await resolve(req);
    }
    const limited = quotas.checkRole(input.path, role, input.client, now());
    if (limited !== null) return { refusal: limited, leaseQuota: null };
    // A login (an unauthenticated path of an auth mount) is what a lease-count quota on the
    // auth mount itself counts; managing the mount is not.
    const target = router.match(input.path);
    const login = target !== null && target.entry.table === 'auth' && target.unauthenticated.matches(input.path.slice(target.prefix.length));
    const leases = await quotas.checkLeasesRole(input.path, role, alive, login);
    return { refusal: leases.refusal, leaseQuota: leases.refusal === null ? leases.quota : null };
  })();
}
