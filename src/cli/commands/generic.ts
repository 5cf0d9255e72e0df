import { ApiError, type ApiResponse, type JsonObject } from '../../api/index.js';
import type { Command, Ctx } from '../command.js';
import { UsageError } from '../flags.js';
import { parseKvArgs } from '../kv-args.js';
import { keysRendering, secretRendering } from '../render-secret.js';

type Query = Record<string, string>;

async function queryArgs(ctx: Ctx, args: string[]): Promise<Query | undefined> {
  if (args.length === 0) return undefined;
  const data = await parseKvArgs(args, ctx.io.stdin);
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** Prints a response that may have no body; `done` is the table-mode message for 204. */
export function printWriteResult(ctx: Ctx, res: ApiResponse, done: string): number {
  if (!res.body) return ctx.success(done);
  return ctx.print(secretRendering(res.body), res.body.warnings);
}

/** Handles a read that may 404: prints an envelope if the 404 carried one, else "No value found". */
export function printRead(ctx: Ctx, res: ApiResponse | ApiError, path: string, o: { durations?: boolean } = {}): number {
  if (res instanceof ApiError) {
    if (res.hasEnvelope && res.body) {
      ctx.print(secretRendering(res.body, o), res.body.warnings);
      return 2;
    }
    ctx.warn(`No value found at ${path}`);
    return 2;
  }
  return ctx.print(secretRendering(res.body, o), res.body?.warnings);
}

const read: Command = {
  synopsis: 'Read data and retrieve secrets',
  help: `read [options] PATH [K=V...]

  Reads data at PATH (GET /v1/PATH). Extra key=value pairs are sent as query
  parameters. Exits 2 when nothing is found.`,
  async run(ctx) {
    ctx.expectArgs(1, Infinity, 'read PATH [K=V...]');
    const [path = '', ...rest] = ctx.args;
    const res = await ctx.api404(`reading ${path}`, ctx.client.read(path, await queryArgs(ctx, rest)));
    return printRead(ctx, res, path);
  },
};

async function writeLike(ctx: Ctx, verb: 'write' | 'patch'): Promise<number> {
  ctx.expectArgs(1, Infinity, `${verb} PATH [DATA K=V...]`);
  const [path = '', ...rest] = ctx.args;
  const data: JsonObject = await parseKvArgs(rest, ctx.io.stdin);
  if (Object.keys(data).length === 0 && !ctx.flags.bool('force')) throw new UsageError('Must supply data or use -force');
  const res = await ctx.api(`writing data to ${path}`, verb === 'write' ? ctx.client.write(path, data) : ctx.client.patch(path, data));
  return printWriteResult(ctx, res, `Success! Data written to: ${path}`);
}

const write: Command = {
  synopsis: 'Write data, configuration, and secrets',
  help: `write [options] PATH [DATA K=V...]

  Writes data to PATH (PUT /v1/PATH). Values may be "@file" (file contents) or "-"
  (stdin); a lone "@file.json" or "-" supplies a whole JSON object.`,
  flags: [{ name: 'force', kind: 'bool', aliases: ['f'], usage: 'Allow the write with no data.' }],
  run: (ctx) => writeLike(ctx, 'write'),
};

const patch: Command = {
  synopsis: 'Patch data, configuration, and secrets',
  help: `patch [options] PATH [DATA K=V...]

  Sends a JSON merge patch (PATCH /v1/PATH, application/merge-patch+json).`,
  flags: [{ name: 'force', kind: 'bool', aliases: ['f'], usage: 'Allow the patch with no data.' }],
  run: (ctx) => writeLike(ctx, 'patch'),
};

const del: Command = {
  synopsis: 'Delete secrets and configuration',
  help: `delete [options] PATH [K=V...]

  Deletes data at PATH (DELETE /v1/PATH); key=value pairs become query parameters.`,
  async run(ctx) {
    ctx.expectArgs(1, Infinity, 'delete PATH [K=V...]');
    const [path = '', ...rest] = ctx.args;
    const res = await ctx.api(`deleting ${path}`, ctx.client.delete(path, await queryArgs(ctx, rest)));
    return printWriteResult(ctx, res, `Success! Data deleted (if it existed) at: ${path}`);
  },
};

const list: Command = {
  synopsis: 'List data or secrets',
  help: `list [options] PATH

  Lists keys under PATH (GET /v1/PATH?list=true). Folders end in "/". Exits 2 when empty.`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'list PATH');
    const path = ctx.args[0] ?? '';
    const res = await ctx.api404(`listing ${path}`, ctx.client.list(path));
    if (res instanceof ApiError) {
      ctx.warn(`No value found at ${path.replace(/\/?$/, '/')}`);
      return 2;
    }
    return ctx.print(keysRendering(res.body), res.body?.warnings);
  },
};

const pathHelp: Command = {
  synopsis: 'Retrieve API help for paths',
  help: `path-help [options] PATH

  Prints the help of the path the server would route PATH to (GET /v1/PATH?help=1):
  what it does, its parameters and their types, and its operations.`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'path-help PATH');
    const path = ctx.args[0] ?? '';
    const res = await ctx.api('retrieving help', ctx.client.read(path, { help: '1' }));
    const body = res.body;
    const inner = body?.data?.['help'];
    const text = typeof body?.['help'] === 'string' ? body['help'] : typeof inner === 'string' ? inner : '';
    if (ctx.format !== 'table') return ctx.print({ json: { help: text }, sections: [] });
    ctx.out(`${text.trimEnd()}\n`);
    return 0;
  },
};

export const genericCommands: Record<string, Command> = { read, write, patch, delete: del, list, 'path-help': pathHelp };
