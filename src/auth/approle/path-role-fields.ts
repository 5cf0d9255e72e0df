/**
 * The single-field sub-paths of a role (`role/<name>/policies`, `…/secret-id-ttl`, …,
 * `…/role-id`), which exist so ACLs can delegate one setting without the whole role.
 * Each is read/update/delete over one field; delete puts the default back.
 */
import { badRequest, unsupportedPath } from '../../sdk/errors.js';
import { field, type Fields, type FieldSpec } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { sanitizePolicyList } from '../token-fields.js';
import { ROLE, roleNameField, validateRole, type RoleEntry } from './role.js';
import type { AppRoleStore } from './store.js';

interface SubPath {
  path: string;
  /** Accepted names, the current one first; the first supplied wins. */
  names: string[];
  spec: FieldSpec<unknown>;
  read(role: RoleEntry): Record<string, unknown>;
  /** Absent for read-only settings. */
  set?(role: RoleEntry, value: unknown): void;
  /** The value delete restores; absent when delete is not offered. */
  reset?: unknown;
}

const num = (v: unknown): number => v as number;
const list = (v: unknown): string[] => v as string[];

const SUB_PATHS: SubPath[] = [
  {
    path: 'policies',
    names: ['token_policies', 'policies'],
    spec: field.commaStringSlice({ description: 'Policies of issued tokens' }),
    read: (r) => ({ token_policies: [...r.token.tokenPolicies], policies: [...r.token.tokenPolicies] }),
    set: (r, v) => (r.token.tokenPolicies = sanitizePolicyList(list(v))),
    reset: [],
  },
  {
    path: 'secret-id-num-uses',
    names: ['secret_id_num_uses'],
    spec: field.int({ description: 'Uses per SecretID' }),
    read: (r) => ({ secret_id_num_uses: r.secretIdNumUses }),
    set: (r, v) => (r.secretIdNumUses = num(v)),
    reset: 0,
  },
  {
    path: 'secret-id-ttl',
    names: ['secret_id_ttl'],
    spec: field.durationSecond({ description: 'Lifetime of SecretIDs' }),
    read: (r) => ({ secret_id_ttl: r.secretIdTtl }),
    set: (r, v) => (r.secretIdTtl = num(v)),
    reset: 0,
  },
  {
    path: 'token-ttl',
    names: ['token_ttl'],
    spec: field.durationSecond({ description: 'Initial TTL of issued tokens' }),
    read: (r) => ({ token_ttl: r.token.tokenTtl }),
    set: (r, v) => (r.token.tokenTtl = num(v)),
    reset: 0,
  },
  {
    path: 'token-max-ttl',
    names: ['token_max_ttl'],
    spec: field.durationSecond({ description: 'Maximum lifetime of issued tokens' }),
    read: (r) => ({ token_max_ttl: r.token.tokenMaxTtl }),
    set: (r, v) => (r.token.tokenMaxTtl = num(v)),
    reset: 0,
  },
  {
    path: 'token-num-uses',
    names: ['token_num_uses'],
    spec: field.int({ description: 'Uses per issued token' }),
    read: (r) => ({ token_num_uses: r.token.tokenNumUses }),
    set: (r, v) => (r.token.tokenNumUses = num(v)),
    reset: 0,
  },
  {
    path: 'bind-secret-id',
    names: ['bind_secret_id'],
    spec: field.bool({ description: 'Require a SecretID at login' }),
    read: (r) => ({ bind_secret_id: r.bindSecretId }),
    set: (r, v) => (r.bindSecretId = v as boolean),
    reset: true,
  },
  {
    path: 'secret-id-bound-cidrs',
    names: ['secret_id_bound_cidrs'],
    spec: field.commaStringSlice({ description: 'CIDRs allowed to log in' }),
    read: (r) => ({ secret_id_bound_cidrs: [...r.secretIdBoundCidrs] }),
    set: (r, v) => (r.secretIdBoundCidrs = list(v)),
    reset: [],
  },
  {
    path: 'token-bound-cidrs',
    names: ['token_bound_cidrs'],
    spec: field.commaStringSlice({ description: 'CIDRs allowed to use issued tokens' }),
    read: (r) => ({ token_bound_cidrs: [...r.token.tokenBoundCidrs] }),
    set: (r, v) => (r.token.tokenBoundCidrs = list(v)),
    reset: [],
  },
  {
    path: 'period',
    names: ['token_period', 'period'],
    spec: field.durationSecond({ description: 'Period of issued tokens' }),
    read: (r) => ({ token_period: r.token.tokenPeriod, period: r.token.tokenPeriod }),
    set: (r, v) => (r.token.tokenPeriod = num(v)),
    reset: 0,
  },
  {
    path: 'local-secret-ids',
    names: ['local_secret_ids'],
    spec: field.bool({ description: 'Whether SecretIDs are cluster-local (immutable)' }),
    read: (r) => ({ local_secret_ids: r.localSecretIds }),
  },
];

async function save(store: AppRoleStore, name: string, change: (r: RoleEntry) => void): Promise<void> {
  const existing = await store.getRole(name);
  if (!existing) throw unsupportedPath();
  const role = structuredClone(existing);
  change(role);
  validateRole(role);
  if (!(await store.putRole(role, existing.roleId))) throw badRequest('role_id already in use');
}

function subPath(store: AppRoleStore, s: SubPath): PathDef<Fields> {
  const fields: Fields = { role_name: roleNameField };
  for (const n of s.names) fields[n] = s.spec;
  const { set, reset } = s;
  return definePath({
    pattern: `${ROLE}/${s.path}`,
    fields,
    synopsis: `The ${s.names[0]} setting of a role`,
    operations: {
      read: async (_req, d) => {
        const role = await store.getRole(d.get('role_name') as string);
        return role ? { data: s.read(role) } : null;
      },
      ...(set
        ? {
            update: async (_req, d) => {
              const given = s.names.find((n) => d.has(n));
              if (given === undefined) throw badRequest(`missing ${s.names[0]}`);
              await save(store, d.get('role_name') as string, (r) => set(r, d.get(given)));
            },
          }
        : {}),
      ...(set && reset !== undefined
        ? { delete: async (_req, d) => save(store, d.get('role_name') as string, (r) => set(r, structuredClone(reset))) }
        : {}),
    },
  });
}

/** `role/<name>/role-id`: read the RoleID, or replace it with a custom one. */
function roleIdPath(store: AppRoleStore): PathDef<Fields> {
  return definePath({
    pattern: `${ROLE}/role-id`,
    fields: { role_name: roleNameField, role_id: field.string({ description: 'New RoleID (update only)' }) },
    synopsis: 'The RoleID of a role',
    operations: {
      read: async (_req, d) => {
        const role = await store.getRole(d.get('role_name'));
        return role ? { data: { role_id: role.roleId } } : null;
      },
      update: async (_req, d) => {
        const roleId = d.get('role_id');
        if (roleId === '') throw badRequest('missing role_id');
        await save(store, d.get('role_name'), (r) => (r.roleId = roleId));
      },
    },
  });
}

export function roleFieldPaths(store: AppRoleStore): PathDef<Fields>[] {
  return [...SUB_PATHS.map((s) => subPath(store, s)), roleIdPath(store)];
}
