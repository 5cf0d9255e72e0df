import type { Command } from '../command.js';
import { secretRendering } from '../render-secret.js';

const lookup: Command = {
  synopsis: 'Lookup the lease of a secret',
  help: `lease lookup [options] ID

  Shows the issue time, expiry and TTL of the lease ID.`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'lease lookup [options] ID');
    const id = ctx.args[0] ?? '';
    const res = await ctx.api(`looking up lease ${id}`, ctx.client.leaseLookup(id));
    return ctx.print(secretRendering(res.body, { durations: true }), res.body?.warnings);
  },
};

const renew: Command = {
  synopsis: 'Renews the lease of a secret',
  help: `lease renew [options] ID

  Renews the lease ID, asking for -increment more time (the backend may grant less).`,
  flags: [{ name: 'increment', kind: 'string', aliases: ['i'], usage: 'Requested TTL extension (duration).' }],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'lease renew [options] ID');
    const id = ctx.args[0] ?? '';
    const res = await ctx.api(`renewing lease ${id}`, ctx.client.leaseRenew(id, ctx.flags.str('increment') || undefined));
    return ctx.print(secretRendering(res.body), res.body?.warnings);
  },
};

const revoke: Command = {
  synopsis: 'Revokes leases and secrets',
  help: `lease revoke [options] ID

  Revokes the lease ID; with -prefix every lease under ID; with -force (and -prefix)
  also drops leases whose backend revocation fails.`,
  flags: [
    { name: 'prefix', kind: 'bool', usage: 'Treat ID as a prefix.' },
    { name: 'force', kind: 'bool', aliases: ['f'], usage: 'Remove leases even if the backend fails to revoke them (implies -prefix).' },
    { name: 'sync', kind: 'bool', usage: 'Wait for the revocation to finish.' },
  ],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'lease revoke [options] ID');
    const id = ctx.args[0] ?? '';
    const f = ctx.flags;
    const o = { prefix: f.bool('prefix'), force: f.bool('force'), ...(f.has('sync') ? { sync: f.bool('sync') } : {}) };
    await ctx.api(`revoking lease ${id}`, ctx.client.leaseRevoke(id, o));
    if (o.force) return ctx.success(`Success! Force revoked any leases with prefix: ${id}`);
    if (o.prefix) return ctx.success(`Success! Revoked any leases with prefix: ${id}`);
    return ctx.success(`Success! Revoked lease: ${id}`);
  },
};

export const leaseCommands: Record<string, Command> = { 'lease lookup': lookup, 'lease renew': renew, 'lease revoke': revoke };
