import type { ApiResponse, JsonObject, KvTarget } from '../../api/index.js';
import type { Command, Ctx } from '../command.js';
import { UsageError } from '../flags.js';
import { parseKvArgs } from '../kv-args.js';
import { MOUNT_FLAG, dataPath, kv2Rendering, obj } from './kv-read.js';

const CAS_FLAG = { name: 'cas', kind: 'int' as const, default: -1, usage: 'Check-and-set: the current version the write expects (0: only if absent). Ignored when negative.' };
const VERSIONS_FLAG = { name: 'versions', kind: 'strings' as const, usage: 'Versions to act on, comma-separated or repeated.' };

function versions(ctx: Ctx, required: boolean): number[] {
  const out = ctx.flags.list('versions').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const nums = out.map((v) => {
    if (!/^\d+$/.test(v)) throw new UsageError(`invalid version "${v}"`);
    return Number(v);
  });
  if (required && nums.length === 0) throw new UsageError('No versions provided, use the "-versions" flag to specify the versions');
  return nums;
}

async function resolve(ctx: Ctx, what: string): Promise<{ path: string; target: KvTarget; rest: string[] }> {
  const [path = '', ...rest] = ctx.args;
  const mount = ctx.flags.str('mount');
  const target = await ctx.preflight(`${what} ${path}`, ctx.client.kvResolve(path, mount));
  return { path, target, rest };
}

/** After a KV v2 write: path and new version metadata; KV v1 writes answer 204. */
function printKvWrite(ctx: Ctx, target: KvTarget, res: ApiResponse): number {
  if (!res.body) return ctx.success(`Success! Data written to: ${target.version === 2 ? target.api('data') : target.fullPath}`);
  return ctx.print(kv2Rendering(target, res.body, 'metadata'), res.body.warnings);
}

async function readData(ctx: Ctx, target: KvTarget, version?: number): Promise<{ data: JsonObject; meta: JsonObject }> {
  const { res } = await ctx.api(`reading ${target.fullPath}`, ctx.client.kvGet(target, version ? { version } : {}));
  const outer = res.body?.data ?? null;
  return { data: obj(outer?.['data']) ?? {}, meta: obj(outer?.['metadata']) ?? {} };
}

const put: Command = {
  synopsis: 'Sets or updates data in the KV store',
  help: `kv put [options] KEY [DATA K=V...]

  Writes a secret, replacing all its data (a new version on KV v2).
    ward kv put secret/app user=alice password=@pw.txt`,
  flags: [MOUNT_FLAG, CAS_FLAG],
  async run(ctx) {
    ctx.expectArgs(2, Infinity, 'kv put [options] KEY [DATA K=V...]');
    const { target, rest } = await resolve(ctx, 'writing data to');
    const data = await parseKvArgs(rest, ctx.io.stdin);
    if (Object.keys(data).length === 0) throw new UsageError('Must supply data');
    const cas = ctx.flags.int('cas');
    const { res } = await ctx.api(`writing data to ${dataPath(target)}`, ctx.client.kvPut(target, data, cas !== undefined && cas >= 0 ? { cas } : {}));
    return printKvWrite(ctx, target, res);
  },
};

const patch: Command = {
  synopsis: 'Sets or updates data in the KV store without overwriting',
  help: `kv patch [options] KEY [DATA K=V...]

  Merges data into the latest version of a KV v2 secret. -method=patch (default)
  sends a JSON merge patch; -method=rw reads, merges locally and writes with check-and-set.`,
  flags: [MOUNT_FLAG, CAS_FLAG, { name: 'method', kind: 'string', default: 'patch', usage: 'patch or rw.' }],
  async run(ctx) {
    ctx.expectArgs(2, Infinity, 'kv patch [options] KEY [DATA K=V...]');
    const { path, target, rest } = await resolve(ctx, 'patching');
    if (target.version !== 2) throw new UsageError(`kv patch is not supported on KV version 1 (${path})`);
    const data = await parseKvArgs(rest, ctx.io.stdin);
    if (Object.keys(data).length === 0) throw new UsageError('Must supply data');
    const method = ctx.flags.str('method');
    const cas = ctx.flags.int('cas');
    if (method === 'rw') {
      const cur = await readData(ctx, target);
      const version = typeof cur.meta['version'] === 'number' ? cur.meta['version'] : 0;
      const { res } = await ctx.api(`writing data to ${dataPath(target)}`, ctx.client.kvPut(target, { ...cur.data, ...data }, { cas: cas !== undefined && cas >= 0 ? cas : version }));
      return printKvWrite(ctx, target, res);
    }
    if (method !== 'patch') throw new UsageError(`unsupported -method "${method}" (patch or rw)`);
    const { res } = await ctx.api(`writing data to ${dataPath(target)}`, ctx.client.kvPatch(target, data, cas !== undefined && cas >= 0 ? { cas } : {}));
    return printKvWrite(ctx, target, res);
  },
};

const del: Command = {
  synopsis: 'Deletes versions in the KV store',
  help: `kv delete [options] KEY

  KV v2: soft-deletes the latest version, or those given with -versions (undo with
  "kv undelete"). KV v1: deletes the secret.`,
  flags: [MOUNT_FLAG, VERSIONS_FLAG],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'kv delete [options] KEY');
    const { path, target } = await resolve(ctx, 'deleting');
    const vs = versions(ctx, false);
    await ctx.api(`deleting ${path}`, ctx.client.kvDelete(target, vs.length ? { versions: vs } : {}));
    const shown = target.version === 2 ? (vs.length ? target.api('delete') : target.api('data')) : target.fullPath;
    return ctx.success(`Success! Data deleted (if it existed) at: ${shown}`);
  },
};

function versionsCommand(kind: 'undelete' | 'destroy'): Command {
  return {
    synopsis: kind === 'undelete' ? 'Undeletes versions in the KV store' : 'Permanently removes one or more versions in the KV store',
    help: `kv ${kind} [options] -versions=N[,M] KEY

  ${kind === 'undelete' ? 'Restores soft-deleted versions of a KV v2 secret.' : 'Destroys versions of a KV v2 secret for good; their data cannot be recovered.'}`,
    flags: [MOUNT_FLAG, VERSIONS_FLAG],
    async run(ctx) {
      ctx.expectArgs(1, 1, `kv ${kind} [options] KEY`);
      const vs = versions(ctx, true);
      const { path, target } = await resolve(ctx, `${kind === 'undelete' ? 'undeleting' : 'destroying'} versions of`);
      if (target.version !== 2) throw new UsageError(`kv ${kind} is not supported on KV version 1 (${path})`);
      await ctx.api(`writing data to ${path}`, ctx.client.kvVersions(kind, target, vs));
      return ctx.success(`Success! Data written to: ${target.api(kind)}`);
    },
  };
}

const rollback: Command = {
  synopsis: 'Rolls back to a previous version of data',
  help: `kv rollback [options] -version=N KEY

  Writes the data of version N again as the newest version (KV v2), using
  check-and-set against the current version.`,
  flags: [MOUNT_FLAG, { name: 'version', kind: 'int', usage: 'The version to roll back to (required).' }],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'kv rollback [options] KEY');
    const version = ctx.flags.int('version');
    if (version === undefined || version <= 0) throw new UsageError('Must specify a positive -version to roll back to');
    const { path, target } = await resolve(ctx, 'rolling back');
    if (target.version !== 2) throw new UsageError(`kv rollback is not supported on KV version 1 (${path})`);
    const { res: metaRes } = await ctx.api(`reading metadata of ${path}`, ctx.client.kvMetadata('get', target));
    const meta = metaRes.body?.data ?? {};
    const current = typeof meta['current_version'] === 'number' ? meta['current_version'] : 0;
    const info = obj(obj(meta['versions'])?.[String(version)]);
    if (!info) throw new UsageError(`version ${version} does not exist for ${path}`);
    if (info['destroyed'] === true) throw new UsageError(`version ${version} of ${path} is destroyed`);
    if (typeof info['deletion_time'] === 'string' && info['deletion_time'] !== '' && Date.parse(info['deletion_time']) <= Date.now()) {
      throw new UsageError(`version ${version} of ${path} is deleted; undelete it first`);
    }
    const { data } = await readData(ctx, target, version);
    const { res } = await ctx.api(`writing data to ${dataPath(target)}`, ctx.client.kvPut(target, data, { cas: current }));
    return printKvWrite(ctx, target, res);
  },
};

export const kvWriteCommands: Record<string, Command> = {
  'kv put': put,
  'kv patch': patch,
  'kv delete': del,
  'kv undelete': versionsCommand('undelete'),
  'kv destroy': versionsCommand('destroy'),
  'kv rollback': rollback,
};
