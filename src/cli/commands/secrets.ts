import { UsageError } from '../flags.js';
import type { Command } from '../command.js';
import { mountColumns } from '../render-secret.js';
import { ENABLE_FLAGS, MOUNT_CONFIG_FLAGS, clean, enableBody, tuneBody } from './mount-flags.js';

const enable: Command = {
  synopsis: 'Enable a secrets engine',
  help: `secrets enable [options] TYPE

  Mounts a secrets engine of TYPE (kv, kv-v2, transit, database, pki, ...) at -path
  (default: TYPE).
    ward secrets enable -path=secret -version=2 kv`,
  flags: [...ENABLE_FLAGS, ...MOUNT_CONFIG_FLAGS, { name: 'version', kind: 'int', usage: 'KV version (sets options version=N).' }],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'secrets enable [options] TYPE');
    const type = ctx.args[0] ?? '';
    const path = clean(ctx.flags.str('path') || type);
    const options = { ...ctx.flags.map('options') };
    const v = ctx.flags.int('version');
    if (v !== undefined && v > 0) options['version'] = String(v);
    await ctx.api(`enabling ${type} at ${path}/`, ctx.client.enableSecrets(path, enableBody(ctx, type, options)));
    return ctx.success(`Success! Enabled the ${type} secrets engine at: ${path}/`);
  },
};

const disable: Command = {
  synopsis: 'Disable a secrets engine',
  help: `secrets disable [options] PATH

  Unmounts the secrets engine at PATH, revoking its leases and deleting its data.`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'secrets disable [options] PATH');
    const path = clean(ctx.args[0] ?? '');
    await ctx.api(`disabling secrets engine at ${path}/`, ctx.client.disableSecrets(path));
    return ctx.success(`Success! Disabled the secrets engine (if it existed) at: ${path}/`);
  },
};

const list: Command = {
  synopsis: 'List enabled secrets engines',
  help: `secrets list [options]

  Lists the mounted secrets engines. JSON output is the server's response.`,
  flags: [{ name: 'detailed', kind: 'bool', usage: 'Show TTLs, options and more.' }],
  async run(ctx) {
    ctx.expectArgs(0, 0, 'secrets list takes no arguments');
    const res = await ctx.api('listing secrets engines', ctx.client.mounts());
    const cols = mountColumns(res.body?.data ?? res.body, ctx.flags.bool('detailed'));
    return ctx.print({ json: res.body, sections: [{ kind: 'columns', ...cols }] });
  },
};

const tune: Command = {
  synopsis: 'Tune a secrets engine configuration',
  help: `secrets tune [options] PATH

  Changes TTLs, description, options or audit settings of the engine at PATH.`,
  flags: MOUNT_CONFIG_FLAGS,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'secrets tune [options] PATH');
    const path = clean(ctx.args[0] ?? '');
    await ctx.api(`tuning secrets engine ${path}/`, ctx.client.tuneSecrets(path, tuneBody(ctx)));
    return ctx.success(`Success! Tuned the secrets engine at: ${path}/`);
  },
};

const move: Command = {
  synopsis: 'Move a secrets engine to a new path',
  help: `secrets move [options] SOURCE DESTINATION

  Moves the secrets engine at SOURCE to DESTINATION, keeping its data.`,
  async run(ctx) {
    ctx.expectArgs(2, 2, 'secrets move [options] SOURCE DESTINATION');
    const [from = '', to = ''] = ctx.args.map(clean);
    if (!from || !to) throw new UsageError('SOURCE and DESTINATION must not be empty');
    await ctx.api(`moving secrets engine ${from}/ to ${to}/`, ctx.client.remount(from, to));
    return ctx.success(`Success! Moved secrets engine ${from}/ to: ${to}/`);
  },
};

export const secretsCommands: Record<string, Command> = {
  'secrets enable': enable,
  'secrets disable': disable,
  'secrets list': list,
  'secrets tune': tune,
  'secrets move': move,
};
