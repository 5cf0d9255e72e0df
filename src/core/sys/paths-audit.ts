/**
 * `sys/audit`, `sys/audit/<path>` and `sys/audit-hash/<path>`, relative to the sys mount.
 * Responses carry plain `data`; the HTTP layer adds Vault's top-level copy of it.
 * `sys/audit` and `sys/audit/*` need sudo: the sys backend lists them as root paths.
 */
import type { AuditBroker } from '../audit/broker.js';
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, matchAll, type PathDef } from '../../sdk/framework/path.js';

/** Patterns of the audit paths that need sudo, for the sys backend's `specialPaths.root`. */
export const auditRootPaths = ['audit', 'audit/*'];

export function auditPaths(broker: AuditBroker): PathDef<Fields>[] {
  const table = definePath({
    pattern: 'audit',
    fields: {},
    operations: {
      read: async () => ({ data: broker.list() }),
    },
    synopsis: 'List the enabled audit devices.',
    description: 'Returns a map of "<path>/" to each device\'s type, description, options, local flag and path.',
  });

  const device = definePath({
    pattern: `audit/${matchAll('path')}`,
    fields: {
      path: field.string({ description: 'Path the device is enabled at.' }),
      type: field.string({ description: 'Device type, e.g. "file".' }),
      description: field.string({ description: 'Human-friendly description.' }),
      options: field.kvPairs({ description: 'Device options, e.g. file_path, mode, prefix, log_raw, hmac_accessor.' }),
      local: field.bool({ description: 'Accepted for compatibility; this server does not replicate.' }),
    },
    operations: {
      update: async (_req, d) => {
        const type = d.get('type');
        if (type === '') throw badRequest('missing type');
        await broker.enable(d.get('path'), {
          type,
          description: d.get('description'),
          options: d.get('options'),
          local: d.get('local'),
        });
        return null;
      },
      delete: async (_req, d) => {
        await broker.disable(d.get('path'));
        return null;
      },
    },
    synopsis: 'Enable or disable an audit device.',
    description: 'Writes enable a device (the file device opens its target immediately); delete disables it and discards its salt.',
  });

  const hash = definePath({
    pattern: `audit-hash/${matchAll('path')}`,
    fields: {
      path: field.string({ description: 'Path of the audit device whose salt to use.' }),
      input: field.string({ description: 'The string to hash.', sensitive: true }),
    },
    operations: {
      update: async (_req, d) => ({ data: { hash: await broker.hash(d.get('path'), d.get('input')) } }),
    },
    synopsis: 'HMAC a value with an audit device\'s salt.',
    description: 'Returns the value as that device would log it, to find it in audit logs.',
  });

  return [table, device, hash];
}
