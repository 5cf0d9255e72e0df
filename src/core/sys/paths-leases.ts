/**
 * `sys/leases/*` and the legacy `sys/renew`, `sys/revoke`, `sys/revoke-prefix`,
 * `sys/revoke-force` routes. Paths are relative to the sys mount. A body `lease_id` wins
 * over one in the URL, so URL captures use a separate name.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { ExpirationManager } from '../expiration/expiration-manager.js';

/**
 * A renewal: the core renders `lease` at the envelope's top level (`lease_id`,
 * `renewable`, `lease_duration`) and `data` as the backend returned it (or null).
 */
export interface LeaseRenewResponse extends LogicalResponse {
  lease: { leaseId: string; ttl: number; renewable: boolean };
}

export const LEASE_TIDY_WARNING = 'Tidy operation successfully started. Any information from the operation will be printed to the server logs.';

const leaseIdFields = {
  lease_id: field.string({ description: 'The lease to act on' }),
  url_lease_id: field.string({ description: 'The lease id given in the URL (the body wins)' }),
};

function pickLeaseId(d: { get(n: 'lease_id' | 'url_lease_id'): string }): string {
  const id = d.get('lease_id') || d.get('url_lease_id');
  if (id === '') throw badRequest('lease_id must be specified');
  return id;
}

export function leasePaths(exp: ExpirationManager): PathDef<Fields>[] {
  const renewFields = { ...leaseIdFields, increment: field.durationSecond({ description: 'Requested extension in seconds' }) };
  const revokeFields = { ...leaseIdFields, sync: field.bool({ description: 'Wait for the backend to revoke', default: true }) };
  const prefixFields = { prefix: field.string({ description: 'Lease id prefix', required: true }), sync: field.bool({ default: true }) };

  const renew = definePath({
    pattern: '',
    fields: renewFields,
    operations: {
      update: async (_req, d): Promise<LeaseRenewResponse> => {
        const leaseId = pickLeaseId(d);
        if (leaseId.startsWith('auth/')) throw badRequest('tokens cannot be renewed through this endpoint');
        const out = await exp.renew(leaseId, d.get('increment'));
        return {
          data: out.data,
          ...(out.warnings.length > 0 ? { warnings: out.warnings } : {}),
          status: 200,
          ttlHint: out.ttl,
          lease: { leaseId: out.leaseId, ttl: out.ttl, renewable: out.renewable },
        };
      },
    },
  });
  const revoke = definePath({
    pattern: '',
    fields: revokeFields,
    operations: {
      update: async (_req, d) => {
        await exp.revoke(pickLeaseId(d), { sync: d.get('sync') });
      },
    },
  });
  const revokePrefix = (force: boolean) =>
    definePath({
      pattern: '',
      fields: prefixFields,
      operations: {
        update: async (_req, d) => {
          await exp.revokePrefix(d.get('prefix'), { force, sync: force ? true : d.get('sync') });
        },
      },
    });
  const at = <F extends Fields>(def: PathDef<F>, pattern: string, synopsis: string): PathDef<Fields> =>
    ({ ...def, pattern, synopsis }) as unknown as PathDef<Fields>;
  const withId = (base: string): string => `${base}(?:/(?<url_lease_id>.+))?`;

  return [
    definePath({
      pattern: 'leases/lookup',
      fields: { lease_id: field.string({ description: 'The lease to look up' }) },
      synopsis: 'Look up a lease',
      operations: {
        update: async (_req, d) => {
          const id = d.get('lease_id');
          if (id === '') throw badRequest('lease_id must be specified');
          return { data: { ...(await exp.lookup(id)) } };
        },
      },
    }),
    definePath({
      pattern: 'leases/lookup/(?<prefix>.*)',
      fields: { prefix: field.string({ description: 'Lease id prefix' }) },
      synopsis: 'List leases under a prefix',
      operations: { list: async (_req, d) => ({ data: { keys: await exp.listPrefix(d.get('prefix')) } }) },
    }),
    at(renew, withId('leases/renew'), 'Renew a lease'),
    at(renew, withId('renew'), 'Renew a lease (legacy path)'),
    at(revoke, withId('leases/revoke'), 'Revoke a lease'),
    at(revoke, withId('revoke'), 'Revoke a lease (legacy path)'),
    at(revokePrefix(false), 'leases/revoke-prefix/(?<prefix>.+)', 'Revoke all leases under a prefix'),
    at(revokePrefix(false), 'revoke-prefix/(?<prefix>.+)', 'Revoke all leases under a prefix (legacy path)'),
    at(revokePrefix(true), 'leases/revoke-force/(?<prefix>.+)', 'Revoke leases under a prefix, ignoring backend errors'),
    at(revokePrefix(true), 'revoke-force/(?<prefix>.+)', 'Force-revoke leases under a prefix (legacy path)'),
    definePath({
      pattern: 'leases/tidy',
      fields: {},
      synopsis: 'Clean up the lease index',
      operations: {
        update: async () => {
          void exp.tidy().catch(() => undefined);
          return { status: 202, warnings: [LEASE_TIDY_WARNING] };
        },
      },
    }),
  ];
}
