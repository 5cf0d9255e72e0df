/**
 * `config/<name>` (connections), `reset/<name>` and `rotate-root/<name>`. The root password
 * is write-only: reads show the connection details without it.
 */
import { formatDuration } from '../../lib/duration.js';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { scrub } from './connections.js';
import { openConnection, statementPassword, type DbContext } from './context.js';
import { generatePassword } from './password.js';
import { DEFAULT_ROOT_ROTATE, setPassword, verifyConnection } from './postgres.js';
import { deleteConfig, getConfig, listConfigs, POSTGRES_PLUGIN, putConfig, type DbConfig } from './store.js';
import { normalizeStatements } from './template.js';
import { templateError } from '../../lib/name-template.js';

const configFields = {
  name: field.string({ required: true, description: 'Name of the connection.' }),
  plugin_name: field.string({ description: `Database plugin; only "${POSTGRES_PLUGIN}" is built in.` }),
  plugin_version: field.string({ description: 'Accepted for compatibility; ignored.' }),
  connection_url: field.string({ description: 'Connection URL; may contain {{username}} and {{password}}.' }),
  username: field.string({ description: 'Root username, substituted into {{username}}.' }),
  password: field.string({ sensitive: true, description: 'Root password, substituted into {{password}}; never returned.' }),
  allowed_roles: field.commaStringSlice({ description: 'Roles allowed to use this connection; "*" for any.' }),
  verify_connection: field.bool({ default: true, description: 'Connect before saving the configuration.' }),
  root_rotation_statements: field.stringSlice({ description: 'Statements that set the root password.' }),
  password_policy: field.string({ description: 'Password policy name (accepted; the default policy is used).' }),
  username_template: field.string({ description: 'Template for dynamic usernames.' }),
  max_open_connections: field.int({ default: 4, description: 'Maximum open connections.' }),
  max_idle_connections: field.int({ description: 'Maximum idle connections.' }),
  max_connection_lifetime: field.durationSecond({ description: 'Maximum lifetime of a connection; 0 = unlimited.' }),
  disable_escaping: field.bool({ description: 'Do not URL-escape the credentials substituted into connection_url.' }),
  password_authentication: field.string({ default: 'password', allowed: ['password', 'scram-sha-256'], description: 'How passwords are sent in statements.' }),
};

function configResponse(c: DbConfig): Record<string, unknown> {
  return {
    plugin_name: c.plugin_name,
    plugin_version: '',
    allowed_roles: c.allowed_roles,
    connection_details: {
      connection_url: c.connection_url,
      username: c.username,
      max_open_connections: c.max_open_connections,
      max_idle_connections: c.max_idle_connections,
      max_connection_lifetime: formatDuration(c.max_connection_lifetime),
      username_template: c.username_template,
      password_authentication: c.password_authentication,
      disable_escaping: c.disable_escaping,
    },
    password_policy: c.password_policy,
    root_credentials_rotate_statements: c.root_rotation_statements,
    verify_connection: c.verify_connection,
  };
}

export function configPaths(ctx: DbContext): PathDef<Fields>[] {
  const list = definePath({
    pattern: 'config/?',
    fields: {},
    synopsis: 'List configured connections.',
    operations: {
      list: async (req) => ({ data: { keys: await listConfigs(req.storage) } }),
    },
  });

  const config = definePath({
    pattern: `config/${genericName('name')}`,
    fields: configFields,
    synopsis: 'Configure a connection to a database.',
    existenceCheck: async (req, d) => (await getConfig(req.storage, d.get('name'))) !== null,
    operations: {
      async read(req, d) {
        const c = await getConfig(req.storage, d.get('name'));
        return c ? { data: configResponse(c) } : null;
      },
      async update(req, d) {
        const name = d.get('name');
        const old = await getConfig(req.storage, name);
        const pick = <K extends keyof typeof configFields & keyof DbConfig>(k: K, fallback: DbConfig[K]): DbConfig[K] =>
          (d.opt(k) as DbConfig[K] | undefined) ?? old?.[k] ?? fallback;
        const c: DbConfig = {
          plugin_name: pick('plugin_name', ''),
          connection_url: pick('connection_url', ''),
          username: pick('username', ''),
          password: pick('password', ''),
          allowed_roles: pick('allowed_roles', []),
          verify_connection: d.get('verify_connection'),
          max_open_connections: pick('max_open_connections', 4),
          max_idle_connections: pick('max_idle_connections', 0),
          max_connection_lifetime: pick('max_connection_lifetime', 0),
          password_policy: pick('password_policy', ''),
          username_template: pick('username_template', ''),
          root_rotation_statements: normalizeStatements(pick('root_rotation_statements', [])),
          password_authentication: pick('password_authentication', 'password') === 'scram-sha-256' ? 'scram-sha-256' : 'password',
          disable_escaping: pick('disable_escaping', false),
        };
        if (c.plugin_name === '') throw badRequest('plugin_name must be set');
        if (c.plugin_name !== POSTGRES_PLUGIN) throw badRequest(`unsupported plugin_name "${c.plugin_name}": only "${POSTGRES_PLUGIN}" is available`);
        if (c.connection_url === '') throw badRequest('connection_url cannot be empty');
        if (c.max_open_connections <= 0) c.max_open_connections = 4;
        if (c.max_idle_connections < 0 || c.max_idle_connections > c.max_open_connections) c.max_idle_connections = c.max_open_connections;
        if (c.username_template !== '') {
          const err = templateError(c.username_template);
          if (err !== null) throw badRequest(`unable to initialize username template: ${err}`);
        }
        if (c.verify_connection) {
          try {
            await verifyConnection(ctx.conns.pool(name, c));
          } catch (e) {
            await ctx.conns.close(name);
            const why = e instanceof Error ? e.message || String((e as Error & { code?: unknown }).code ?? e.name) : String(e);
            throw badRequest(`error creating database object: error verifying connection: ${scrub(why, [c.password])}`);
          }
        } else {
          await ctx.conns.close(name);
        }
        await putConfig(req.storage, name, c);
        const warnings: string[] = [];
        if (c.password_policy !== '') warnings.push('password_policy is stored but credentials use the default password policy');
        return warnings.length > 0 ? { warnings } : null;
      },
      async delete(req, d) {
        const name = d.get('name');
        await ctx.conns.close(name);
        await deleteConfig(req.storage, name);
        return null;
      },
    },
  });

  const reset = definePath({
    pattern: `reset/${genericName('name')}`,
    fields: { name: field.string({ required: true }) },
    synopsis: 'Close the connection pool and reconnect.',
    operations: {
      async update(req, d) {
        const name = d.get('name');
        await ctx.conns.close(name);
        const conn = await openConnection(ctx, req.storage, name, 'badRequest');
        if (conn.config.verify_connection) {
          await verifyConnection(conn.pool).catch((e: unknown) => {
            throw conn.fail('failed to reset connection', e);
          });
        }
        return null;
      },
    },
  });

  const rotateRoot = definePath({
    pattern: `rotate-root/${genericName('name')}`,
    fields: { name: field.string({ required: true }) },
    synopsis: "Rotate the root user's password; the new one is stored and never returned.",
    operations: {
      async update(req, d) {
        const name = d.get('name');
        const conn = await openConnection(ctx, req.storage, name, 'badRequest');
        const { config } = conn;
        if (config.username === '') throw badRequest('unable to rotate root credentials: no username in configuration');
        const password = generatePassword();
        const statements = config.root_rotation_statements.length > 0 ? config.root_rotation_statements : DEFAULT_ROOT_ROTATE;
        try {
          await setPassword(conn.pool, statements, { name: config.username, password: await statementPassword(config, password) });
        } catch (e) {
          throw conn.fail('failed to update root credentials', e, [password]);
        }
        await putConfig(req.storage, name, { ...config, password });
        // The old pool logged in with the old password: start over with the new one.
        await ctx.conns.close(name);
        return null;
      },
    },
  });

  return [list, config, reset, rotateRoot];
}
