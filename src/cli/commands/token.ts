import type { JsonObject } from '../../api/index.js';
import type { Command } from '../command.js';
import { UsageError } from '../flags.js';
import { dataRows, secretRendering } from '../render-secret.js';

const split = (xs: string[]): string[] => xs.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);

const create: Command = {
  synopsis: 'Create a new token',
  help: `token create [options]

  Creates a token that is a child of the current token (or an orphan with -orphan).
  With -wrap-ttl the token is returned wrapped; read it with "ward unwrap".
    ward token create -policy=app -ttl=1h
    ward token create -wrap-ttl=5m -field=wrapping_token`,
  flags: [
    { name: 'id', kind: 'string', usage: 'Token value to use instead of a random one (root/sudo only).' },
    { name: 'display-name', kind: 'string', usage: 'Display name (stored as token-<name>).' },
    { name: 'ttl', kind: 'string', usage: 'Initial TTL (duration).' },
    { name: 'explicit-max-ttl', kind: 'string', usage: 'Hard maximum lifetime (duration).' },
    { name: 'period', kind: 'string', usage: 'Make a periodic token renewed up to this duration.' },
    { name: 'renewable', kind: 'bool', default: true, usage: 'Allow renewal.' },
    { name: 'orphan', kind: 'bool', usage: 'Create a token with no parent.' },
    { name: 'no-default-policy', kind: 'bool', usage: 'Do not attach the "default" policy.' },
    { name: 'use-limit', kind: 'int', usage: 'Number of uses before the token is revoked (0: unlimited).' },
    { name: 'role', kind: 'string', usage: 'Token role to create the token against.' },
    { name: 'type', kind: 'string', usage: 'service or batch.' },
    { name: 'policy', kind: 'strings', usage: 'Policy to attach; repeat or comma-separate for several.' },
    { name: 'metadata', kind: 'map', usage: 'Metadata key=value; repeatable.' },
    { name: 'entity-alias', kind: 'string', usage: 'Entity alias to associate (with a role).' },
  ],
  async run(ctx) {
    ctx.expectArgs(0, 0, 'token create takes no arguments');
    const f = ctx.flags;
    const body: JsonObject = { renewable: f.bool('renewable') };
    const policies = split(f.list('policy'));
    if (policies.length) body['policies'] = policies;
    if (f.has('metadata')) body['meta'] = f.map('metadata');
    for (const [flag, key] of [['id', 'id'], ['display-name', 'display_name'], ['ttl', 'ttl'], ['explicit-max-ttl', 'explicit_max_ttl'], ['period', 'period'], ['type', 'type'], ['entity-alias', 'entity_alias']] as const) {
      const v = f.str(flag);
      if (v) body[key] = v;
    }
    if (f.bool('no-default-policy')) body['no_default_policy'] = true;
    if (f.has('use-limit')) body['num_uses'] = f.int('use-limit') ?? 0;
    const role = f.str('role');
    const res = await ctx.api('creating token', ctx.client.tokenCreate(body, { ...(role ? { role } : {}), orphan: f.bool('orphan') }));
    return ctx.print(secretRendering(res.body), res.body?.warnings);
  },
};

const lookup: Command = {
  synopsis: 'Display information about a token',
  help: `token lookup [options] [TOKEN | ACCESSOR]

  Shows the properties of TOKEN, or of the current token when none is given.`,
  flags: [{ name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor.' }],
  async run(ctx) {
    ctx.expectArgs(ctx.flags.bool('accessor') ? 1 : 0, 1, 'token lookup [options] [TOKEN | ACCESSOR]');
    const arg = ctx.args[0];
    const c = ctx.client;
    const res = await ctx.api('looking up token', ctx.flags.bool('accessor') ? c.tokenLookupAccessor(arg ?? '') : arg ? c.tokenLookup(arg) : c.tokenLookupSelf());
    return ctx.print(secretRendering(res.body, { durations: true }), res.body?.warnings);
  },
};

const renew: Command = {
  synopsis: 'Renew a token lease',
  help: `token renew [options] [TOKEN | ACCESSOR]

  Renews TOKEN (or the current token), asking for -increment more time.`,
  flags: [
    { name: 'increment', kind: 'string', aliases: ['i'], usage: 'Requested TTL extension (duration).' },
    { name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor.' },
  ],
  async run(ctx) {
    ctx.expectArgs(ctx.flags.bool('accessor') ? 1 : 0, 1, 'token renew [options] [TOKEN | ACCESSOR]');
    const arg = ctx.args[0];
    const inc = ctx.flags.str('increment');
    const o = { ...(inc ? { increment: inc } : {}), ...(arg ? (ctx.flags.bool('accessor') ? { accessor: arg } : { token: arg }) : {}) };
    const res = await ctx.api('renewing token', ctx.client.tokenRenew(o));
    return ctx.print(secretRendering(res.body), res.body?.warnings);
  },
};

const revoke: Command = {
  synopsis: 'Revoke a token and its children',
  help: `token revoke [options] [TOKEN | ACCESSOR]

  Revokes TOKEN, its child tokens and their leases. -mode=orphan keeps the children
  (as orphans); -mode=path revokes every token created under the path TOKEN.`,
  flags: [
    { name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor.' },
    { name: 'self', kind: 'bool', usage: 'Revoke the current token.' },
    { name: 'mode', kind: 'string', usage: '"", "orphan" or "path".' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const self = f.bool('self');
    ctx.expectArgs(self ? 0 : 1, self ? 0 : 1, 'token revoke [options] [TOKEN | ACCESSOR]');
    const arg = ctx.args[0] ?? '';
    const mode = f.str('mode') ?? '';
    if (!['', 'orphan', 'path'].includes(mode)) throw new UsageError(`invalid -mode "${mode}"`);
    const c = ctx.client;
    if (self) await ctx.api('revoking token', c.tokenRevoke());
    else if (mode === 'path') await ctx.api('revoking tokens', c.leaseRevoke(arg, { prefix: true }));
    else await ctx.api('revoking token', c.tokenRevoke(f.bool('accessor') ? { accessor: arg } : { token: arg, orphan: mode === 'orphan' }));
    return ctx.success('Success! Revoked token (if it existed)');
  },
};

const capabilities: Command = {
  synopsis: 'Print capabilities of a token on a path',
  help: `token capabilities [options] [TOKEN | ACCESSOR] PATH

  Prints the capabilities the token (the current one by default) has on PATH.`,
  flags: [{ name: 'accessor', kind: 'bool', usage: 'Treat the first argument as an accessor.' }],
  async run(ctx) {
    ctx.expectArgs(1, 2, 'token capabilities [options] [TOKEN | ACCESSOR] PATH');
    const path = ctx.args[ctx.args.length - 1] ?? '';
    const who = ctx.args.length === 2 ? ctx.args[0] : undefined;
    const o = who ? (ctx.flags.bool('accessor') ? { accessor: who } : { token: who }) : {};
    const res = await ctx.api('listing capabilities', ctx.client.capabilities([path], o));
    const d = res.body?.data ?? {};
    const raw = d[path] ?? d['capabilities'] ?? res.body?.['capabilities'];
    const caps = Array.isArray(raw) ? raw.map(String).sort() : [];
    return ctx.print({ json: res.body, sections: [{ kind: 'text', text: caps.join(', ') }], fields: [{ key: 'capabilities', value: caps }, ...dataRows(d)] });
  },
};

export const tokenCommands: Record<string, Command> = {
  'token create': create,
  'token lookup': lookup,
  'token renew': renew,
  'token revoke': revoke,
  'token capabilities': capabilities,
};
