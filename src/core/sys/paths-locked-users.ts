/**
 * `sys/locked-users` (read) and `sys/locked-users/<mount_accessor>/unlock/<alias>`
 * (update). Lockout state belongs to each auth backend (userpass, AppRole); this only
 * gathers it across auth mounts and forwards unlocks.
 */
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LockedUser } from '../../sdk/logical.js';

export interface LockedUserDeps {
  authMounts(): {
    accessor: string;
    backend: { lockedUsers?(): Promise<LockedUser[]>; unlockUser?(alias: string): Promise<boolean> };
  }[];
}

export function lockedUserPaths(deps: LockedUserDeps): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'locked-users/?',
      fields: { mount_accessor: field.string({ description: 'Only report this auth mount' }) },
      synopsis: 'Report users locked out after failed logins',
      operations: {
        read: async (_req, d) => {
          const only = d.get('mount_accessor');
          const mountAccessors: { mount_accessor: string; counts: number; alias_identifiers: string[] }[] = [];
          for (const m of deps.authMounts()) {
            if ((only !== '' && m.accessor !== only) || !m.backend.lockedUsers) continue;
            const locked = await m.backend.lockedUsers();
            if (locked.length === 0) continue;
            mountAccessors.push({ mount_accessor: m.accessor, counts: locked.length, alias_identifiers: locked.map((u) => u.alias) });
          }
          mountAccessors.sort((a, b) => a.mount_accessor.localeCompare(b.mount_accessor));
          const total = mountAccessors.reduce((n, m) => n + m.counts, 0);
          // Ward has only the root namespace; it is reported only when someone is locked.
          const byNamespace = total === 0 ? [] : [{ namespace_id: 'root', namespace_path: '', counts: total, mount_accessors: mountAccessors }];
          return { data: { by_namespace: byNamespace, total } };
        },
      },
    }),
    definePath({
      pattern: 'locked-users/(?<mount_accessor>[^/]+)/unlock/(?<alias_identifier>.+)',
      fields: {
        mount_accessor: field.string({ description: 'Accessor of the auth mount', required: true }),
        alias_identifier: field.string({ description: 'Alias name (userpass username, AppRole role_id)', required: true }),
      },
      synopsis: 'Unlock a locked-out user',
      operations: {
        // Like Vault, unlocking someone who is not locked (or an unknown mount) is a no-op 204.
        update: async (_req, d) => {
          const m = deps.authMounts().find((x) => x.accessor === d.get('mount_accessor'));
          await m?.backend.unlockUser?.(d.get('alias_identifier'));
          return null;
        },
      },
    }),
  ];
}
