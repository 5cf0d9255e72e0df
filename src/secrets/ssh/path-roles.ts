/** `roles/<role>` read/write/delete and LIST `roles` (with each role's key_type, as Vault's key_info). */
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { putJSON } from '../../sdk/storage.js';
import { removeZeroAddressRole } from './path-otp.js';
import { readRole, roleFields, roleFrom, rolePath, roleView } from './role.js';

export function rolePaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'roles/?',
      fields: {},
      synopsis: 'List the roles.',
      operations: {
        async list(req) {
          const keys = await req.storage.list('roles/');
          const keyInfo: Record<string, unknown> = {};
          for (const k of keys) {
            const r = await readRole(req.storage, k);
            if (r) keyInfo[k] = { key_type: r.key_type };
          }
          return { data: { keys, key_info: keyInfo } };
        },
      },
    }),
    definePath({
      pattern: `roles/${genericName('role')}`,
      fields: roleFields,
      synopsis: 'Manage the roles certificates are signed against.',
      existenceCheck: async (req, d) => (await readRole(req.storage, d.get('role'))) !== null,
      operations: {
        async read(req, d) {
          const r = await readRole(req.storage, d.get('role'));
          return r ? { data: roleView(r) } : null;
        },
        async create(req, d) {
          await putJSON(req.storage, rolePath(d.get('role')), roleFrom(d));
          return null;
        },
        async update(req, d) {
          await putJSON(req.storage, rolePath(d.get('role')), roleFrom(d));
          return null;
        },
        async delete(req, d) {
          await removeZeroAddressRole(req.storage, d.get('role'));
          await req.storage.delete(rolePath(d.get('role')));
          return null;
        },
      },
    }),
  ];
}
