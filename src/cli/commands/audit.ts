import type { JsonObject, JsonValue } from '../../api/index.js';
import type { Command } from '../command.js';
import { cell } from '../format.js';
import { parseKvArgs } from '../kv-args.js';
import { clean } from './mount-flags.js';

const enable: Command = {
  synopsis: 'Enables an audit device',
  help: `audit enable [options] TYPE [CONFIG K=V...]

  Enables an audit device of TYPE (file, socket, syslog) at -path (default: TYPE).
  Remaining key=value pairs are the device options.
    ward audit enable file file_path=/var/log/ward/audit.log`,
  flags: [
    { name: 'path', kind: 'string', usage: 'Path of the device; defaults to the type.' },
    { name: 'description', kind: 'string', usage: 'Human-friendly description.' },
    { name: 'local', kind: 'bool', usage: 'Mark the device local-only.' },
  ],
  async run(ctx) {
    ctx.expectArgs(1, Infinity, 'audit enable [options] TYPE [CONFIG K=V...]');
    const [type = '', ...rest] = ctx.args;
    const path = clean(ctx.flags.str('path') || type);
    const parsed = await parseKvArgs(rest, ctx.io.stdin);
    const options = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    const body: JsonObject = { type, options, local: ctx.flags.bool('local'), description: ctx.flags.str('description') ?? '' };
    await ctx.api('enabling audit device', ctx.client.enableAudit(path, body));
    return ctx.success(`Success! Enabled the ${type} audit device at: ${path}/`);
  },
};

const disable: Command = {
  synopsis: 'Disables an audit device',
  help: `audit disable [options] PATH

  Disables the audit device at PATH.`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'audit disable [options] PATH');
    const path = clean(ctx.args[0] ?? '');
    await ctx.api('disabling audit device', ctx.client.disableAudit(path));
    return ctx.success(`Success! Disabled audit device (if it was enabled) at: ${path}/`);
  },
};

const list: Command = {
  synopsis: 'Lists enabled audit devices',
  help: `audit list [options]

  Lists the enabled audit devices. JSON output is the server's response.`,
  flags: [{ name: 'detailed', kind: 'bool', usage: 'Show options and replication.' }],
  async run(ctx) {
    ctx.expectArgs(0, 0, 'audit list takes no arguments');
    const res = await ctx.api('listing audit devices', ctx.client.auditDevices());
    const table = res.body?.data ?? {};
    const paths = Object.keys(table).filter((k) => table[k] && typeof table[k] === 'object').sort();
    if (paths.length === 0 && ctx.format === 'table') return ctx.success('No audit devices are enabled.');
    const detailed = ctx.flags.bool('detailed');
    const rows = paths.map((p) => {
      const d = table[p] as { [k: string]: JsonValue | undefined }; // filtered to objects above
      const base = [p, cell(d['type']), cell(d['description'] ?? '') || 'n/a'];
      return detailed ? [...base, d['local'] === true ? 'local' : 'replicated', cell(d['options'] ?? {})] : base;
    });
    const headers = detailed ? ['Path', 'Type', 'Description', 'Replication', 'Options'] : ['Path', 'Type', 'Description'];
    return ctx.print({ json: res.body, sections: [{ kind: 'columns', headers, rows }] });
  },
};

export const auditCommands: Record<string, Command> = { 'audit enable': enable, 'audit disable': disable, 'audit list': list };
