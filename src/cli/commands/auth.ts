import type { Command } from '../command.js';
import { mountColumns } from '../render-secret.js';
import { ENABLE_FLAGS, MOUNT_CONFIG_FLAGS, clean, enableBody, tuneBody } from './mount-flags.js';

const TOKEN_TYPE = { name: 'token-type', kind: 'string' as const, usage: 'default-service, default-batch, service or batch.' };

const enable: Command = {
  synopsis: 'Enables a new auth method',
  help: `auth enable [options] TYPE

  Enables an auth method of TYPE (userpass, approle, kubernetes, ...) at -path
  (default: TYPE); it is then reachable at auth/PATH/.`,
  flags: [...ENABLE_FLAGS, ...MOUNT_CONFIG_FLAGS, TOKEN_TYPE],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'auth enable [options] TYPE');
    const type = ctx.args[0] ?? '';
    const path = clean(ctx.flags.str('path') || type);
    await ctx.api(`enabling ${type} auth at ${path}/`, ctx.client.enableAuth(path, enableBody(ctx, type, ctx.flags.map('options'))));
    return ctx.success(`Success! Enabled ${type} auth method at: ${path}/`);
  },
};

const disable: Command = {
  synopsis: 'Disables an auth method',
  help: `auth disable [options] PATH

  Disables the auth method at PATH and revokes every token it issued.`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'auth disable [options] PATH');
    const path = clean(ctx.args[0] ?? '');
    await ctx.api(`disabling auth method at ${path}/`, ctx.client.disableAuth(path));
    return ctx.success(`Success! Disabled the auth method (if it existed) at: ${path}/`);
  },
};

const list: Command = {
  synopsis: 'Lists enabled auth methods',
  help: `auth list [options]

  Lists the enabled auth methods. JSON output is the server's response.`,
  flags: [{ name: 'detailed', kind: 'bool', usage: 'Show TTLs, options and more.' }],
  async run(ctx) {
    ctx.expectArgs(0, 0, 'auth list takes no arguments');
    const res = await ctx.api('listing enabled auth methods', ctx.client.authMethods());
    const cols = mountColumns(res.body?.data ?? res.body, ctx.flags.bool('detailed'), 'auth');
    return ctx.print({ json: res.body, sections: [{ kind: 'columns', ...cols }] });
  },
};

const tune: Command = {
  synopsis: 'Tunes an auth method configuration',
  help: `auth tune [options] PATH

  Changes TTLs, description, token type or audit settings of the auth method at PATH.`,
  flags: [...MOUNT_CONFIG_FLAGS, TOKEN_TYPE],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'auth tune [options] PATH');
    const path = clean(ctx.args[0] ?? '');
    await ctx.api(`tuning auth method ${path}/`, ctx.client.tuneAuth(path, tuneBody(ctx, true)));
    return ctx.success(`Success! Tuned the auth method at: ${path}/`);
  },
};

export const authCommands: Record<string, Command> = {
  'auth enable': enable,
  'auth disable': disable,
  'auth list': list,
  'auth tune': tune,
};
