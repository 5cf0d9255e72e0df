/**
 * What the fuzzed server holds before the first request: every mount of the plan, an
 * audit device writing a real file (so every request goes through audit hashing), a few
 * seeded objects named `fz` for generated paths to hit, a default-policy token and the
 * canaries. `reseed` rewrites the seeded objects, which fuzz requests may have changed.
 */
import { join } from 'node:path';
import type { Api } from './api.js';
import { writeCanaries, type Canaries } from './canaries.js';
import { MAIN_AUDIT } from './guard.js';
import { CANARY_MOUNTS, fuzzMounts, SEED_NAME as N } from './mount-plan.js';

export interface SeedCall {
  method: string;
  path: string;
  body?: unknown;
}

/** Idempotent writes that (re)create the seeded objects. `closedPort` has nothing listening. */
export function seedCalls(closedPort: number): SeedCall[] {
  const statements = [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`];
  return [
    { method: 'POST', path: `kv1/${N}`, body: { a: 'b', ttl: '1h' } },
    { method: 'POST', path: `kv2/data/${N}`, body: { data: { a: 'b' } } },
    { method: 'POST', path: `secret/data/${N}`, body: { data: { a: 'b' } } },
    { method: 'POST', path: `transit/keys/${N}`, body: {} },
    { method: 'POST', path: `transit/keys/${N}-ed`, body: { type: 'ed25519' } },
    { method: 'POST', path: `pki/roles/${N}`, body: { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', ttl: '1h' } },
    {
      method: 'POST',
      path: `database/config/${N}`,
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${closedPort}/fz`,
        username: 'fz',
        password: 'fz-password-1234',
        verify_connection: false,
        allowed_roles: '*',
      },
    },
    { method: 'POST', path: `database/roles/${N}`, body: { db_name: N, creation_statements: statements, default_ttl: '1h' } },
    { method: 'POST', path: `database/static-roles/${N}`, body: { db_name: N, username: 'fz-static', rotation_period: '24h' } },
    { method: 'POST', path: `auth/approle/role/${N}`, body: { token_policies: 'default', secret_id_ttl: '1h' } },
    { method: 'POST', path: `auth/userpass/users/${N}`, body: { password: 'fz-password-1234', token_policies: 'default' } },
    { method: 'POST', path: 'auth/kubernetes/config', body: { kubernetes_host: `https://127.0.0.1:${closedPort}` } },
    { method: 'POST', path: 'kubernetes/config', body: { kubernetes_host: `https://127.0.0.1:${closedPort}`, service_account_jwt: 'fz-jwt' } },
    { method: 'POST', path: `kubernetes/roles/${N}`, body: { allowed_kubernetes_namespaces: '*', kubernetes_role_name: 'view' } },
    {
      method: 'POST',
      path: `auth/kubernetes/role/${N}`,
      body: { bound_service_account_names: '*', bound_service_account_namespaces: '*', token_policies: 'default' },
    },
    { method: 'POST', path: `auth/token/roles/${N}`, body: { allowed_policies: 'default' } },
    { method: 'PUT', path: `sys/policies/acl/${N}`, body: { policy: `path "kv1/${N}" { capabilities = ["read", "list"] }` } },
    { method: 'POST', path: `cubbyhole/${N}`, body: { a: 'b' } },
  ];
}

export interface Fixtures {
  defaultToken: string;
  canaries: Canaries;
}

/** Mounts, audit, one-off objects (PKI root, static role), the default token and the canaries. */
export async function setUp(api: Api, o: { closedPort: number; auditDir: string }): Promise<Fixtures> {
  for (const m of [...fuzzMounts(), ...CANARY_MOUNTS]) {
    await api.must('POST', `sys/${m.table}/${m.path}`, { body: { type: m.type, ...(m.options ? { options: m.options } : {}) } });
  }
  await api.must('PUT', `sys/audit/${MAIN_AUDIT}`, { body: { type: 'file', options: { file_path: join(o.auditDir, 'audit.log') } } });
  await api.must('POST', 'pki/root/generate/internal', { body: { common_name: `${N}.example.com`, key_type: 'ec', ttl: '87600h' } });
  for (const c of seedCalls(o.closedPort)) {
    const r = await api.call(c.method, c.path, c.body === undefined ? {} : { body: c.body });
    // A static role's first rotation needs the (closed) database: its refusal is expected.
    if ((r.status < 200 || r.status > 299) && !c.path.startsWith('database/static-roles/')) {
      throw new Error(`seeding ${c.method} ${c.path} → ${r.status} ${r.text.slice(0, 300)}`);
    }
  }
  const def = await api.must('POST', 'auth/token/create', { body: { policies: ['default'], ttl: '768h', display_name: 'fuzz-default' } });
  const canaries = await writeCanaries(api);
  return { defaultToken: def.body?.auth?.client_token as string, canaries };
}
