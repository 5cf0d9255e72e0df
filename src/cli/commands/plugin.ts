/**
 * `plugin list|info|register|deregister` and `version-history`, as the vault CLI prints
 * them. Ward's catalog holds only its built-in backends: register and deregister reach
 * the server, which refuses them with its "not supported" answer.
 */
import { ApiError } from '../../api/errors.js';
import type { JsonObject, JsonValue } from '../../api/index.js';
import { UsageError } from '../flags.js';
import { CliError, type Command } from '../command.js';

const TYPES = ['auth', 'database', 'secret'];

const obj = (v: JsonValue | undefined): JsonObject => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});
const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

function checkType(t: string): void {
  if (!TYPES.includes(t)) throw new UsageError(`"${t}" is not a supported plugin type`);
}

const list: Command = {
  synopsis: 'Lists available plugins',
  help: `plugin list [options] [TYPE]

  Lists the plugins in the catalog, all of them or those of TYPE (auth, database or
  secret). Ward's catalog holds its built-in backends.

      $ ward plugin list -detailed`,
  flags: [{ name: 'detailed', kind: 'bool', usage: 'Print the version, container and deprecation status of each plugin.' }],
  async run(ctx) {
    ctx.expectArgs(0, 1, 'plugin list takes at most a plugin type');
    const type = ctx.args[0];
    if (type !== undefined) checkType(type);
    const res = await ctx.api('listing plugins', ctx.client.request('GET', 'sys/plugins/catalog'));
    const detailed = (Array.isArray(res.body?.data?.['detailed']) ? res.body!.data!['detailed'] : []).map(obj).filter((p) => type === undefined || p['type'] === type);
    if (ctx.flags.bool('detailed')) {
      const rows = detailed.map((p) => [str(p['name']), str(p['type']), str(p['version']), 'false', str(p['deprecation_status']) || 'n/a']);
      return ctx.print({ json: detailed, sections: [{ kind: 'columns', headers: ['Name', 'Type', 'Version', 'Container', 'Deprecation Status'], rows }] });
    }
    const names = [...new Set(detailed.map((p) => str(p['name'])))].sort();
    const rows = detailed.map((p) => (type === undefined ? [str(p['name']), str(p['type']), str(p['version'])] : [str(p['name']), str(p['version'])]));
    return ctx.print({ json: names, sections: [{ kind: 'columns', headers: type === undefined ? ['Name', 'Type', 'Version'] : ['Name', 'Version'], rows }] });
  },
};

const info: Command = {
  synopsis: 'Read information about a plugin in the catalog',
  help: `plugin info [options] TYPE NAME

  Shows a plugin of the catalog: its version, whether it is built in, its deprecation
  status.

      $ ward plugin info secret kv`,
  async run(ctx) {
    ctx.expectArgs(2, 2, 'plugin info takes a plugin type and a name');
    const [type, name] = ctx.args as [string, string];
    checkType(type);
    const res = await ctx.api404(`reading plugin named ${name}`, ctx.client.request('GET', `sys/plugins/catalog/${type}/${name}`));
    if (res instanceof ApiError || !res.body?.data) throw new CliError(`No value found for plugin "${name}"`, 2);
    const d = res.body.data;
    // As vault prints it: what an external plugin has (command, sha256, image) is "n/a" for a built-in one.
    const shown = (k: string): JsonValue => (d[k] === '' || d[k] === undefined ? 'n/a' : (d[k] as JsonValue));
    const keys = ['args', 'builtin', 'command', 'deprecation_status', 'name', 'oci_image', 'runtime', 'sha256', 'version'];
    return ctx.print({ json: d, sections: [{ kind: 'kv', rows: keys.map((k) => ({ key: k, value: shown(k) })) }] });
  },
};

const register: Command = {
  synopsis: 'Registers a new plugin in the catalog (Ward: refused)',
  help: `plugin register [options] TYPE NAME

  Ward runs only its built-in backends: the server refuses to register a plugin.`,
  flags: [
    { name: 'sha256', kind: 'string', usage: 'SHA256 of the plugin binary.' },
    { name: 'command', kind: 'string', usage: 'Command to run the plugin.' },
    { name: 'version', kind: 'string', usage: 'Semantic version of the plugin.' },
  ],
  async run(ctx) {
    ctx.expectArgs(2, 2, 'plugin register takes a plugin type and a name');
    const [type, name] = ctx.args as [string, string];
    checkType(type);
    const body: JsonObject = { sha256: ctx.flags.str('sha256') ?? '', command: ctx.flags.str('command') ?? name, version: ctx.flags.str('version') ?? '' };
    await ctx.api('registering plugin', ctx.client.request('PUT', `sys/plugins/catalog/${type}/${name}`, { body }));
    return ctx.success(`Success! Registered plugin: ${name}`);
  },
};

const deregister: Command = {
  synopsis: 'Deregister an existing plugin in the catalog (Ward: refused)',
  help: `plugin deregister [options] TYPE NAME

  Ward's built-in plugins cannot be removed: the server refuses.`,
  async run(ctx) {
    ctx.expectArgs(2, 2, 'plugin deregister takes a plugin type and a name');
    const [type, name] = ctx.args as [string, string];
    checkType(type);
    await ctx.api('deregistering plugin', ctx.client.request('DELETE', `sys/plugins/catalog/${type}/${name}`));
    return ctx.success(`Success! Deregistered plugin (if it was registered): ${name}`);
  },
};

const versionHistory: Command = {
  synopsis: 'Prints the version history of the target server',
  help: `version-history [options]

  Lists the versions of Ward this cluster's storage has been unsealed with, oldest
  first, with when each was first unsealed and when it was built.

      $ ward version-history`,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'version-history takes no arguments');
    const res = await ctx.api('reading version history', ctx.client.list('sys/version-history'));
    const d = obj(res.body?.data);
    const keys = Array.isArray(d['keys']) ? d['keys'].map(str) : [];
    const infoOf = obj(d['key_info']);
    const rows = keys.map((k) => [k, str(obj(infoOf[k])['timestamp_installed']), str(obj(infoOf[k])['build_date'])]);
    return ctx.print({ json: d, sections: [{ kind: 'columns', headers: ['Version', 'Installation Time', 'Build Date'], rows }] });
  },
};

export const pluginCommands: Record<string, Command> = {
  'plugin list': list,
  'plugin info': info,
  'plugin register': register,
  'plugin deregister': deregister,
  'version-history': versionHistory,
};
