/**
 * `creds/<role>`: issues a dynamic user under a lease, and the `creds` secret type the core
 * calls to renew (extend VALID UNTIL) and revoke (drop the user) it. Revocation throws when
 * the database is unreachable so the core keeps the lease and retries later.
 */
import { badRequest, internalError } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { LeaseView, LogicalRequest, RenewResult, SecretType } from '../../sdk/logical.js';
import { effectiveTtl, openConnection, statementPassword, type DbContext } from './context.js';
import { generatePassword } from './password.js';
import { createUser, renewUser, revokeUser } from './postgres.js';
import { getRole, roleAllowed } from './store.js';
import { formatExpiration } from './template.js';
import { DEFAULT_POSTGRES_USERNAME_TEMPLATE, renderUsername } from '../../lib/name-template.js';

export const CREDS_SECRET_TYPE = 'creds';

/** Postgres identifiers are at most 63 bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER = 63;

function truncateBytes(s: string, max: number): string {
  let out = s;
  while (Buffer.byteLength(out, 'utf8') > max) out = out.slice(0, -1);
  return out;
}

export function credsPath(ctx: DbContext): PathDef<Fields> {
  return definePath({
    pattern: `creds/${genericName('name')}`,
    fields: { name: field.string({ required: true, description: 'Name of the role.' }) },
    synopsis: 'Issue database credentials for a role.',
    operations: {
      async read(req, d) {
        const roleName = d.get('name');
        const role = await getRole(req.storage, roleName);
        if (!role) throw badRequest(`unknown role: ${roleName}`);
        const conn = await openConnection(ctx, req.storage, role.db_name, 'internal');
        // Vault reports this as a plain (500) error, and clients match on the text.
        if (!roleAllowed(conn.config, roleName)) throw internalError(`"${roleName}" is not an allowed role`);

        const { ttl } = effectiveTtl(ctx, role.default_ttl, role.max_ttl);
        const template = conn.config.username_template || DEFAULT_POSTGRES_USERNAME_TEMPLATE;
        const username = truncateBytes(renderUsername(template, { DisplayName: req.caller?.displayName ?? '', RoleName: roleName }), MAX_IDENTIFIER);
        const password = generatePassword();
        const vars = { name: username, password: await statementPassword(conn.config, password), expiration: formatExpiration(Date.now() + ttl * 1000) };
        try {
          await createUser(conn.pool, role.creation_statements, role.rollback_statements, vars);
        } catch (e) {
          throw conn.fail('failed to create user', e, [password]);
        }
        return {
          data: { username, password },
          secret: {
            type: CREDS_SECRET_TYPE,
            ttl: role.default_ttl,
            maxTtl: role.max_ttl,
            renewable: true,
            internalData: { username, role: roleName, db_name: role.db_name },
          },
        };
      },
    },
  });
}

function leaseData(lease: LeaseView): { username: string; role: string; dbName: string } {
  const { username, role, db_name: dbName } = lease.internalData;
  if (typeof username !== 'string' || typeof dbName !== 'string') throw internalError('lease is missing its database user');
  return { username, role: typeof role === 'string' ? role : '', dbName };
}

export function credsSecretType(ctx: DbContext): SecretType {
  return {
    async renew(req: LogicalRequest, lease: LeaseView): Promise<RenewResult> {
      const { username, role: roleName, dbName } = leaseData(lease);
      const role = await getRole(req.storage, roleName);
      if (!role) throw badRequest(`error during renew: could not find role with name "${roleName}"`);
      const conn = await openConnection(ctx, req.storage, dbName, 'internal');
      const ttl = lease.increment > 0 ? lease.increment : effectiveTtl(ctx, role.default_ttl, role.max_ttl).ttl;
      let expires = Date.now() + ttl * 1000;
      // The core caps the lease at issue + max TTL; the database should agree.
      if (lease.maxTtl > 0) expires = Math.min(expires, lease.issueTime + lease.maxTtl * 1000);
      try {
        await renewUser(conn.pool, role.renew_statements, { name: username, expiration: formatExpiration(expires) });
      } catch (e) {
        throw conn.fail('failed to renew user', e);
      }
      return { ttl, ...(role.max_ttl > 0 ? { maxTtl: role.max_ttl } : {}) };
    },

    async revoke(req: LogicalRequest, lease: LeaseView): Promise<void> {
      const { username, role: roleName, dbName } = leaseData(lease);
      // A deleted role no longer has statements to offer: fall back to the default drop.
      const role = roleName === '' ? null : await getRole(req.storage, roleName);
      const conn = await openConnection(ctx, req.storage, dbName, 'internal');
      try {
        await revokeUser(conn.pool, role?.revocation_statements ?? [], username);
      } catch (e) {
        throw conn.fail('failed to revoke user', e);
      }
    },
  };
}
