/**
 * Static roles: an existing database user whose password Ward owns and rotates every
 * `rotation_period`. `static-roles/<name>` manages them, `static-creds/<name>` reads the
 * current password (no lease), `rotate-role/<name>` rotates now.
 */
import { rfc3339 } from '../../lib/clock.js';
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { DbContext } from './context.js';
import { nextRotation, type StaticRotator } from './rotation.js';
import { deleteStaticRole, getConfig, getStaticRole, listStaticRoles, putStaticRole, roleAllowed, type StaticRole } from './store.js';
import { normalizeStatements } from './template.js';

/** Vault's floor for rotation_period. */
export const MIN_ROTATION_PERIOD = 5;

const staticFields = {
  name: field.string({ required: true, description: 'Name of the static role.' }),
  db_name: field.string({ description: 'Connection (config/<db_name>) the role uses.' }),
  username: field.string({ description: 'Existing database user whose password is managed.' }),
  rotation_period: field.durationSecond({ description: 'Seconds between automatic rotations (at least 5).' }),
  rotation_statements: field.stringSlice({ description: 'Statements that set the password ({{name}}, {{password}}).' }),
  credential_type: field.string({ default: 'password', allowed: ['password'], description: 'Type of credential managed.' }),
};

const lastRotation = (r: StaticRole): string => rfc3339(r.last_vault_rotation);
const ttlOf = (r: StaticRole): number => Math.max(0, Math.floor((nextRotation(r) - Date.now()) / 1000));

export function staticPaths(ctx: DbContext, rotator: StaticRotator): PathDef<Fields>[] {
  const list = definePath({
    pattern: 'static-roles/?',
    fields: {},
    synopsis: 'List static roles.',
    operations: {
      list: async (req) => ({ data: { keys: await listStaticRoles(req.storage) } }),
    },
  });

  const role = definePath({
    pattern: `static-roles/${genericName('name')}`,
    fields: staticFields,
    synopsis: 'Manage a static role.',
    existenceCheck: async (req, d) => (await getStaticRole(req.storage, d.get('name'))) !== null,
    operations: {
      async read(req, d) {
        const r = await getStaticRole(req.storage, d.get('name'));
        if (!r) return null;
        return {
          data: {
            db_name: r.db_name,
            username: r.username,
            rotation_period: r.rotation_period,
            rotation_statements: r.rotation_statements,
            credential_type: r.credential_type,
            last_vault_rotation: lastRotation(r),
          },
        };
      },
      async update(req, d) {
        const name = d.get('name');
        const old = await getStaticRole(req.storage, name);
        const username = d.opt('username');
        if (old && username !== undefined && username !== old.username) throw badRequest('cannot update static account username');
        const r: StaticRole = {
          db_name: d.opt('db_name') ?? old?.db_name ?? '',
          username: username ?? old?.username ?? '',
          rotation_period: d.opt('rotation_period') ?? old?.rotation_period ?? 0,
          rotation_statements: d.has('rotation_statements') ? normalizeStatements(d.get('rotation_statements')) : (old?.rotation_statements ?? []),
          credential_type: d.opt('credential_type') ?? old?.credential_type ?? 'password',
          password: old?.password ?? '',
          last_vault_rotation: old?.last_vault_rotation ?? 0,
        };
        if (r.db_name === '') throw badRequest('empty database name attribute');
        if (r.username === '') throw badRequest('username is a required field to create a static account');
        if (r.rotation_period < MIN_ROTATION_PERIOD) throw badRequest(`rotation_period must be ${MIN_ROTATION_PERIOD} seconds or more`);
        const config = await getConfig(req.storage, r.db_name);
        if (!config) throw badRequest(`failed to find entry for connection with name: "${r.db_name}"`);
        if (!roleAllowed(config, name)) throw badRequest(`"${name}" is not an allowed role`);
        await putStaticRole(req.storage, name, r);
        if (!old) {
          // Ward takes the account over by setting a password only it knows.
          try {
            await rotator.rotate(req.storage, name);
          } catch (e) {
            await deleteStaticRole(req.storage, name);
            throw e;
          }
        }
        ctx.rescheduleRotations();
        return null;
      },
      async delete(req, d) {
        await deleteStaticRole(req.storage, d.get('name'));
        ctx.rescheduleRotations();
        return null;
      },
    },
  });

  const creds = definePath({
    pattern: `static-creds/${genericName('name')}`,
    fields: { name: field.string({ required: true }) },
    synopsis: 'Read the current credentials of a static role.',
    operations: {
      async read(req, d) {
        const name = d.get('name');
        const r = await getStaticRole(req.storage, name);
        if (!r) throw badRequest(`unknown role: ${name}`);
        return {
          data: {
            username: r.username,
            password: r.password,
            last_vault_rotation: lastRotation(r),
            rotation_period: r.rotation_period,
            ttl: ttlOf(r),
          },
        };
      },
    },
  });

  const rotate = definePath({
    pattern: `rotate-role/${genericName('name')}`,
    fields: { name: field.string({ required: true }) },
    synopsis: "Rotate a static role's password now.",
    operations: {
      async update(req, d) {
        await rotator.rotate(req.storage, d.get('name'));
        ctx.rescheduleRotations();
        return null;
      },
    },
  });

  return [list, role, creds, rotate];
}
