/** `roles/<name>`: dynamic roles, the statements and TTLs behind `creds/<name>`. */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { deleteRole, getRole, listRoles, putRole, type DbRole } from './store.js';
import { normalizeStatements } from './template.js';

const roleFields = {
  name: field.string({ required: true, description: 'Name of the role.' }),
  db_name: field.string({ description: 'Connection (config/<db_name>) the role uses.' }),
  creation_statements: field.stringSlice({ description: 'Statements that create the user ({{name}}, {{password}}, {{expiration}}).' }),
  revocation_statements: field.stringSlice({ description: 'Statements that remove the user; default revokes privileges and drops the role.' }),
  rollback_statements: field.stringSlice({ description: 'Statements run when creation fails.' }),
  renew_statements: field.stringSlice({ description: 'Statements run on lease renewal; default extends VALID UNTIL.' }),
  default_ttl: field.durationSecond({ description: 'Default lease TTL; 0 = the mount default.' }),
  max_ttl: field.durationSecond({ description: 'Maximum lease TTL; 0 = the mount maximum.' }),
  credential_type: field.string({ default: 'password', allowed: ['password'], description: 'Type of credential issued.' }),
  credential_config: field.map({ description: 'Options for the credential generator.' }),
};

export function roleResponse(r: DbRole): Record<string, unknown> {
  return {
    db_name: r.db_name,
    creation_statements: r.creation_statements,
    revocation_statements: r.revocation_statements,
    rollback_statements: r.rollback_statements,
    renew_statements: r.renew_statements,
    default_ttl: r.default_ttl,
    max_ttl: r.max_ttl,
    credential_type: r.credential_type,
    credential_config: r.credential_config,
  };
}

export function rolePaths(): PathDef<Fields>[] {
  const list = definePath({
    pattern: 'roles/?',
    fields: {},
    synopsis: 'List dynamic roles.',
    operations: {
      list: async (req) => ({ data: { keys: await listRoles(req.storage) } }),
    },
  });

  const role = definePath({
    pattern: `roles/${genericName('name')}`,
    fields: roleFields,
    synopsis: 'Manage a role that issues dynamic database credentials.',
    existenceCheck: async (req, d) => (await getRole(req.storage, d.get('name'))) !== null,
    operations: {
      async read(req, d) {
        const r = await getRole(req.storage, d.get('name'));
        return r ? { data: roleResponse(r) } : null;
      },
      async update(req, d) {
        const name = d.get('name');
        const old = await getRole(req.storage, name);
        const stmts = (k: 'creation_statements' | 'revocation_statements' | 'rollback_statements' | 'renew_statements'): string[] => {
          const v = d.opt(k);
          return v !== undefined ? normalizeStatements(v) : (old?.[k] ?? []);
        };
        const r: DbRole = {
          db_name: d.opt('db_name') ?? old?.db_name ?? '',
          creation_statements: stmts('creation_statements'),
          revocation_statements: stmts('revocation_statements'),
          rollback_statements: stmts('rollback_statements'),
          renew_statements: stmts('renew_statements'),
          default_ttl: d.opt('default_ttl') ?? old?.default_ttl ?? 0,
          max_ttl: d.opt('max_ttl') ?? old?.max_ttl ?? 0,
          credential_type: d.opt('credential_type') ?? old?.credential_type ?? 'password',
          credential_config: d.opt('credential_config') ?? old?.credential_config ?? {},
        };
        if (r.db_name === '') throw badRequest('empty database name attribute');
        if (r.creation_statements.length === 0) throw badRequest('empty creation statements');
        if (r.max_ttl > 0 && r.default_ttl > r.max_ttl) throw badRequest('ttl cannot be greater than max_ttl');
        await putRole(req.storage, name, r);
        return null;
      },
      async delete(req, d) {
        await deleteRole(req.storage, d.get('name'));
        return null;
      },
    },
  });

  return [list, role];
}
