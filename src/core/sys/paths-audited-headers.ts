/**
 * `sys/config/auditing/request-headers` (read: every audited header) and
 * `sys/config/auditing/request-headers/<header>` (read, write `hmac`, delete), as Vault.
 * Root-protected through the sys backend's `config/auditing/*`. A header that is not
 * configured reads as Vault's 400 "Could not find header in config" (clients such as the
 * Terraform provider match that text to mean "gone").
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { AuditedHeaders } from '../audit/request-headers.js';

export function auditedHeaderPaths(headers: AuditedHeaders): PathDef<Fields>[] {
  const all = definePath({
    pattern: 'config/auditing/request-headers',
    fields: {},
    operations: {
      read: async () => ({ data: { headers: headers.list() } }),
    },
    synopsis: 'List the request headers that audit records carry.',
    description: 'Returns "headers": a map of lower-case header name to its settings ({"hmac": bool}).',
  });

  const one = definePath({
    pattern: 'config/auditing/request-headers/(?<header>.+)',
    fields: {
      header: field.string({ description: 'Name of the request header (case-insensitive).' }),
      hmac: field.bool({ description: 'HMAC the header\'s values in audit records.' }),
    },
    operations: {
      read: async (_req, d) => {
        const name = d.get('header');
        if (name === '') throw badRequest('missing header name');
        const s = headers.get(name);
        if (!s) throw badRequest('Could not find header in config');
        // Keyed by the name as asked, as Vault answers.
        return { data: { [name]: s } };
      },
      update: async (_req, d) => {
        const name = d.get('header');
        if (name === '') throw badRequest('missing header name');
        await headers.set(name, d.get('hmac'));
        return null;
      },
      delete: async (_req, d) => {
        const name = d.get('header');
        if (name === '') throw badRequest('missing header name');
        await headers.remove(name);
        return null;
      },
    },
    synopsis: 'Configure one audited request header.',
    description: 'Writes add or change the header (hmac hashes its values with each audit device\'s salt); delete stops auditing it.',
  });

  return [all, one];
}
