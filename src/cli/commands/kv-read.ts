import { ApiError, type JsonObject, type JsonValue, type KvTarget, type VaultEnvelope } from '../../api/index.js';
import type { Command, Ctx } from '../command.js';
import type { FlagSpec } from '../flags.js';
import type { Rendering, Section } from '../format.js';
import { dataRows, keysRendering, secretRendering } from '../render-secret.js';

export const MOUNT_FLAG: FlagSpec = { name: 'mount', kind: 'string', usage: 'Mount path of the KV engine; the path argument is then relative to it.' };

export const obj = (v: JsonValue | undefined): JsonObject | null => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);

/**
 * KV v2 output as the vault CLI shows it: the secret path, the version metadata, then
 * the data (`bodyIs: 'metadata'` after a write). `-field` looks in the data first, then the metadata.
 */
export function kv2Rendering(target: KvTarget, body: VaultEnvelope | null, bodyIs: 'secret' | 'metadata' = 'secret'): Rendering {
  const outer = body?.data ?? null;
  const isData = bodyIs === 'secret' && outer !== null && ('data' in outer || 'metadata' in outer);
  const data = isData ? obj(outer['data']) : null;
  const meta = isData ? obj(outer['metadata']) : outer;
  const sections: Section[] = [{ kind: 'text', text: `== Secret Path ==\n${target.api('data')}` }];
  if (meta) sections.push({ kind: 'kv', title: 'Metadata', rows: dataRows(meta) });
  if (data) sections.push({ kind: 'kv', title: 'Data', rows: dataRows(data) });
  // `-field=data` is the data map itself unless the secret has a key named "data" (vault's rule).
  return { json: body, sections, fields: [...dataRows(data), ...dataRows(meta), ...(data ? [{ key: 'data', value: data }] : [])] };
}

/** The path vault's kv commands name in their errors (its `fullPath`): MOUNT/data/KEY on KV v2. */
export const dataPath = (target: KvTarget): string => (target.version === 2 ? target.api('data') : target.fullPath);

async function kvGet(ctx: Ctx): Promise<number> {
  ctx.expectArgs(1, 1, 'kv get [options] KEY');
  const path = ctx.args[0] ?? '';
  const mount = ctx.flags.str('mount');
  const version = ctx.flags.int('version');
  const target = await ctx.preflight(`reading ${path}`, ctx.client.kvResolve(path, mount));
  const shown = dataPath(target);
  const res = await ctx.api404(`reading ${shown}`, ctx.client.kvGet(target, version ? { version } : {}).then((r) => r.res));
  if (res instanceof ApiError) {
    if (target.version === 2 && res.body?.data) {
      ctx.print(kv2Rendering(target, res.body), res.body.warnings);
      return 2;
    }
    ctx.warn(`No value found at ${shown}`);
    return 2;
  }
  if (target.version === 1) return ctx.print(secretRendering(res.body), res.body?.warnings);
  return ctx.print(kv2Rendering(target, res.body), res.body?.warnings);
}

const get: Command = {
  synopsis: 'Retrieves data from the KV store',
  help: `kv get [options] KEY

  Reads a secret from a KV engine. The engine version is found through the
  sys/internal/ui/mounts preflight: KV v2 reads MOUNT/data/KEY, KV v1 reads KEY.
    ward kv get secret/app
    ward kv get -mount=secret -field=password app`,
  flags: [MOUNT_FLAG, { name: 'version', kind: 'int', usage: 'Version to read (KV v2); the latest by default.' }],
  run: kvGet,
};

const list: Command = {
  synopsis: 'List data or secrets',
  help: `kv list [options] PATH

  Lists keys under PATH (KV v2: MOUNT/metadata/PATH). Exits 2 when empty.`,
  flags: [MOUNT_FLAG],
  async run(ctx) {
    ctx.expectArgs(ctx.flags.str('mount') ? 0 : 1, 1, 'kv list [options] PATH');
    const path = ctx.args[0] ?? '';
    const mount = ctx.flags.str('mount');
    const target = await ctx.preflight(`listing ${path}`, ctx.client.kvResolve(path, mount));
    const res = await ctx.api404(`listing ${path}`, ctx.client.kvList(target).then((r) => r.res));
    if (res instanceof ApiError) {
      ctx.warn(`No value found at ${target.api('metadata').replace(/\/?$/, '/')}`);
      return 2;
    }
    return ctx.print(keysRendering(res.body), res.body?.warnings);
  },
};

export const kvReadCommands: Record<string, Command> = { 'kv get': get, 'kv list': list };
