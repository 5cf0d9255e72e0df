import { ApiError, type JsonObject } from '../../api/index.js';
import type { Command, Ctx } from '../command.js';
import { UsageError, type FlagSpec } from '../flags.js';
import type { Section } from '../format.js';
import { dataRows } from '../render-secret.js';
import { MOUNT_FLAG, obj } from './kv-read.js';

const META_FLAGS: FlagSpec[] = [
  MOUNT_FLAG,
  { name: 'max-versions', kind: 'int', usage: 'Versions to keep (0: the mount setting).' },
  { name: 'cas-required', kind: 'bool', usage: 'Require check-and-set on writes to this key.' },
  { name: 'delete-version-after', kind: 'string', usage: 'Soft-delete versions after this duration ("0s": never).' },
  { name: 'custom-metadata', kind: 'map', usage: 'Custom metadata key=value; repeat for several.' },
];

function metaBody(ctx: Ctx): JsonObject {
  const f = ctx.flags;
  const body: JsonObject = {};
  if (f.has('max-versions')) body['max_versions'] = f.int('max-versions') ?? 0;
  if (f.has('cas-required')) body['cas_required'] = f.bool('cas-required');
  if (f.has('delete-version-after')) body['delete_version_after'] = f.str('delete-version-after') ?? '0s';
  if (f.has('custom-metadata')) body['custom_metadata'] = f.map('custom-metadata');
  return body;
}

async function target(ctx: Ctx, op: string) {
  ctx.expectArgs(1, 1, `kv metadata ${op} [options] KEY`);
  const path = ctx.args[0] ?? '';
  const t = await ctx.preflight(`reading ${path}`, ctx.client.kvResolve(path, ctx.flags.str('mount')));
  if (t.version !== 2) throw new UsageError(`kv metadata ${op} is not supported on KV version 1 (${path})`);
  return { path, t };
}

const get: Command = {
  synopsis: 'Retrieves key metadata from the KV store',
  help: `kv metadata get [options] KEY

  Prints a KV v2 key's metadata and the state of each version.`,
  flags: [MOUNT_FLAG],
  async run(ctx) {
    const { t } = await target(ctx, 'get');
    const res = await ctx.api404(`reading ${t.api('metadata')}`, ctx.client.kvMetadata('get', t).then((r) => r.res));
    if (res instanceof ApiError) {
      ctx.warn(`No value found at ${t.api('metadata')}`);
      return 2;
    }
    const d = res.body?.data ?? {};
    const { versions, ...rest } = d;
    const sections: Section[] = [
      { kind: 'text', text: `== Metadata Path ==\n${t.api('metadata')}` },
      { kind: 'kv', title: 'Metadata', rows: dataRows(rest) },
    ];
    const vs = obj(versions) ?? {};
    for (const n of Object.keys(vs).sort((a, b) => Number(a) - Number(b))) {
      sections.push({ kind: 'kv', title: `Version ${n}`, rows: dataRows(obj(vs[n])) });
    }
    return ctx.print({ json: res.body, sections, fields: dataRows(d) }, res.body?.warnings);
  },
};

function writer(op: 'put' | 'patch'): Command {
  return {
    synopsis: op === 'put' ? 'Sets or updates key settings in the KV store' : 'Patches key settings in the KV store',
    help: `kv metadata ${op} [options] KEY

  ${op === 'put' ? 'Writes' : 'Merges'} a KV v2 key's settings and custom metadata without creating a version.`,
    flags: META_FLAGS,
    async run(ctx) {
      const { t } = await target(ctx, op);
      await ctx.api(`writing data to ${t.api('metadata')}`, ctx.client.kvMetadata(op, t, { data: metaBody(ctx) }));
      return ctx.success(`Success! Data written to: ${t.api('metadata')}`);
    },
  };
}

const del: Command = {
  synopsis: 'Deletes all versions and metadata for a key in the KV store',
  help: `kv metadata delete [options] KEY

  Removes every version and the metadata of a KV v2 key, permanently.`,
  flags: [MOUNT_FLAG],
  async run(ctx) {
    const { t } = await target(ctx, 'delete');
    await ctx.api(`deleting ${t.api('metadata')}`, ctx.client.kvMetadata('delete', t));
    return ctx.success(`Success! Data deleted (if it existed) at: ${t.api('metadata')}`);
  },
};

export const kvMetadataCommands: Record<string, Command> = {
  'kv metadata get': get,
  'kv metadata put': writer('put'),
  'kv metadata patch': writer('patch'),
  'kv metadata delete': del,
};
