/**
 * `sys/quotas/rate-limit/:name` and `sys/quotas/lease-count/:name` (read, write, delete,
 * LIST) and `sys/quotas/config`,
 * with Vault's fields and refusals. Enforcement is QuotaManager.check, called by the
 * core before a request reaches the pipeline.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { QuotaManager, RateLimitQuota } from '../quotas/quota-manager.js';

export interface QuotaPathDeps {
  quotas: QuotaManager;
  /** The mount serving `path` ("" when none). */
  mountOf(path: string): string;
}

function rateOf(raw: unknown): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw badRequest("'rate' is invalid");
  return n;
}

const view = (q: RateLimitQuota): Record<string, unknown> => ({
  name: q.name,
  type: 'rate-limit',
  path: q.path,
  rate: q.rate,
  interval: q.interval,
  block_interval: q.blockInterval,
  role: q.role,
  inheritable: q.inheritable,
});

export function quotaPaths(deps: QuotaPathDeps): PathDef<Fields>[] {
  const { quotas } = deps;
  return [
    definePath({
      pattern: 'quotas/rate-limit/?',
      fields: {},
      synopsis: 'List the rate-limit quotas.',
      operations: { list: async () => ({ data: { keys: quotas.names() } }) },
    }),
    definePath({
      pattern: 'quotas/rate-limit/(?<name>[^/]+)',
      fields: {
        name: field.string({ description: 'Name of the quota.', required: true }),
        path: field.string({ description: 'Empty for every path, a mount ("secret/") or a path below one.' }),
        rate: field.raw({ description: 'Requests allowed per interval, per client address (> 0).' }),
        interval: field.durationSecond({ description: 'The interval the rate applies to (default 1s).' }),
        block_interval: field.signedDurationSecond({ description: 'How long a client over the limit is refused (0: until the bucket refills).' }),
        role: field.string({ description: 'Login role the quota applies to (stored; see the notes).' }),
        inheritable: field.bool({ description: 'Whether child namespaces inherit the quota (Ward has only the root namespace).' }),
      },
      synopsis: 'A rate-limit quota.',
      existenceCheck: async (_req, d) => quotas.get(d.get('name')) !== null,
      operations: {
        read: async (_req, d) => {
          const q = quotas.get(d.get('name'));
          return q ? { data: view(q) } : null;
        },
        create: async (_req, d) => write(d, null),
        update: async (_req, d) => write(d, quotas.get(d.get('name'))),
        delete: async (_req, d) => {
          await quotas.delete(d.get('name'));
          return null;
        },
      },
    }),
    definePath({
      pattern: 'quotas/lease-count/?',
      fields: {},
      synopsis: 'List the lease-count quotas.',
      operations: { list: async () => ({ data: { keys: quotas.leaseQuotaNames() } }) },
    }),
    definePath({
      pattern: 'quotas/lease-count/(?<name>[^/]+)',
      fields: {
        name: field.string({ description: 'Name of the quota.', required: true }),
        path: field.string({ description: 'Empty for every path, a mount ("database/") or a path below one.' }),
        max_leases: field.int({ description: 'Leases allowed under the path (> 0).' }),
        role: field.string({ description: 'Login role the quota applies to (stored; see the notes).' }),
        inheritable: field.bool({ description: 'Whether child namespaces inherit the quota (Ward has only the root namespace).' }),
      },
      synopsis: 'A lease-count quota.',
      existenceCheck: async (_req, d) => quotas.getLeaseQuota(d.get('name')) !== null,
      operations: {
        read: async (_req, d) => {
          const q = quotas.getLeaseQuota(d.get('name'));
          return q ? { data: { name: q.name, type: 'lease-count', path: q.path, max_leases: q.maxLeases, role: q.role, inheritable: q.inheritable } } : null;
        },
        create: async (_req, d) => writeLease(d),
        update: async (_req, d) => writeLease(d),
        delete: async (_req, d) => {
          await quotas.deleteLeaseQuota(d.get('name'));
          return null;
        },
      },
    }),
    definePath({
      pattern: 'quotas/config',
      fields: {
        rate_limit_exempt_paths: field.stringSlice({ description: 'Paths no rate-limit quota applies to.' }),
        enable_rate_limit_audit_logging: field.bool({ description: 'Audit requests refused by a rate-limit quota.' }),
        enable_rate_limit_response_headers: field.bool({ description: 'Send X-Ratelimit-* headers.' }),
      },
      synopsis: 'How quotas behave.',
      operations: {
        read: async () => {
          const c = quotas.getConfig();
          return {
            data: {
              rate_limit_exempt_paths: c.rateLimitExemptPaths,
              absolute_rate_limit_exempt_paths: [],
              enable_rate_limit_audit_logging: c.enableRateLimitAuditLogging,
              enable_rate_limit_response_headers: c.enableRateLimitResponseHeaders,
            },
          };
        },
        update: async (_req, d) => {
          const c = quotas.getConfig();
          await quotas.setConfig({
            rateLimitExemptPaths: d.has('rate_limit_exempt_paths') ? d.get('rate_limit_exempt_paths') : c.rateLimitExemptPaths,
            enableRateLimitAuditLogging: d.has('enable_rate_limit_audit_logging') ? d.get('enable_rate_limit_audit_logging') : c.enableRateLimitAuditLogging,
            enableRateLimitResponseHeaders: d.has('enable_rate_limit_response_headers') ? d.get('enable_rate_limit_response_headers') : c.enableRateLimitResponseHeaders,
          });
          return null;
        },
      },
    }),
  ];

  async function write(d: { get(n: string): any; has(n: string): boolean }, old: RateLimitQuota | null): Promise<null> { // any: the framework's field accessor for this path's fields, typed loosely to share one writer
    const has = (n: string): boolean => d.has(n);
    const rate = has('rate') || !old ? rateOf(d.get('rate')) : old.rate;
    const interval = has('interval') ? d.get('interval') || 1 : (old?.interval ?? 1);
    const blockInterval = has('block_interval') ? d.get('block_interval') : (old?.blockInterval ?? 0);
    // Vault's text names the field "block".
    if (blockInterval < 0) throw badRequest("'block' is invalid");
    const path = quotaPath(has('path') ? String(d.get('path')) : (old?.path ?? ''));
    const role = has('role') ? String(d.get('role')) : (old?.role ?? '');
    checkRole(path, role);
    await quotas.put({
      name: d.get('name'),
      path,
      rate,
      interval,
      blockInterval,
      role,
      inheritable: has('inheritable') ? d.get('inheritable') : (old?.inheritable ?? false),
    });
    return null;
  }

  async function writeLease(d: { get(n: string): any; has(n: string): boolean }): Promise<null> { // any: as write() above
    const old = quotas.getLeaseQuota(d.get('name'));
    const has = (n: string): boolean => d.has(n);
    const maxLeases = has('max_leases') || !old ? Number(d.get('max_leases')) : old.maxLeases;
    if (!(maxLeases > 0)) throw badRequest("'max_leases' is invalid");
    const path = quotaPath(has('path') ? String(d.get('path')) : (old?.path ?? ''));
    const role = has('role') ? String(d.get('role')) : (old?.role ?? '');
    checkRole(path, role);
    await quotas.putLeaseQuota({
      name: d.get('name'),
      path,
      maxLeases,
      role,
      inheritable: has('inheritable') ? d.get('inheritable') : (old?.inheritable ?? false),
    });
    return null;
  }

  /**
   * Vault's checks for a role-scoped quota, in Vault's order and words. Vault then asks the
   * auth method to resolve the login's role; no Ward auth method does that for quotas, so a
   * role is refused with Vault's text for such a mount rather than stored and applied to
   * every login on the mount.
   */
  function checkRole(path: string, role: string): void {
    if (role === '') return;
    const mount = path === '' ? '' : deps.mountOf(path.endsWith('/') ? path : `${path}/`);
    if (path !== mount) throw badRequest('Quotas cannot contain both a path suffix and a role. If a role is provided, path must be a valid auth mount with a concept of roles');
    if (!mount.startsWith('auth/')) throw badRequest(`Mount path ${JSON.stringify(mount)} is not a valid auth method and therefore unsuitable for use with role-based quotas`);
    throw badRequest(`Mount path ${JSON.stringify(mount)} does not support use with role-based quotas`);
  }

  /** A quota's path: "" or below an existing mount (a bare mount name gains its slash). */
  function quotaPath(raw: string): string {
    const path = raw.replace(/^\/+/, '');
    if (path === '') return '';
    const mount = deps.mountOf(path.endsWith('/') ? path : `${path}/`);
    if (mount === '') throw badRequest(`invalid mount path ${JSON.stringify(path)}`);
    return path === mount.slice(0, -1) ? mount : path;
  }
}
