/**
 * `?help=1` answers (and so `ward path-help`), from the same path table the OpenAPI
 * document comes from: Vault's help text layout (route, synopsis, the fields with their
 * types, the description), Vault's `see_also`, and the OpenAPI of what was asked about.
 */
import type { LogicalResponse, SpecialPaths } from '../logical.js';
import type { Fields } from './fields.js';
import { documentPath, documentPaths, newOasDocument, newOasTarget, type BackendInfo } from './openapi.js';
import type { PathDef } from './path.js';

/** Vault's names of its field types, as path-help prints them. */
const TYPE_NAMES: Record<string, string> = {
  string: 'string',
  lowercase_string: 'lowercase string',
  int: 'int',
  bool: 'bool',
  duration_second: 'duration (sec)',
  signed_duration_second: 'duration (sec)',
  string_slice: 'slice',
  comma_string_slice: 'slice',
  comma_int_slice: 'slice',
  map: 'map',
  kv_pairs: 'keypair',
  raw: 'any',
};

export const helpTypeName = (kind: string): string => TYPE_NAMES[kind] ?? kind;

const indent = (n: number, text: string): string =>
  text
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

export const routeOf = (def: PathDef<Fields>): string => `^${def.pattern}$`;

/** The help of one path, laid out as Vault's path help template lays it out. */
export function pathHelpText(def: PathDef<Fields>, requestPath: string): string {
  const out = ['', `Request:        ${requestPath}`, `Matching Route: ${routeOf(def)}`, '', (def.synopsis ?? '').trim(), ''];
  const names = Object.keys(def.fields).sort();
  if (names.length > 0) {
    out.push('## PARAMETERS');
    for (const name of names) {
      const f = def.fields[name]!;
      const description = f.description.trim() === '' ? '<no description>' : f.description.trim();
      out.push('', indent(4, `${name} (${helpTypeName(f.kind)})`), '', indent(8, description));
    }
    out.push('');
  }
  out.push('## DESCRIPTION', '', (def.description ?? '').trim(), '');
  return out.join('\n');
}

/** The help of the mount root: what the backend is, and every route with its synopsis. */
export function rootHelpText(help: string, defs: readonly PathDef<Fields>[]): string {
  const out = ['## DESCRIPTION', '', help.trim(), '', '## PATHS', '', 'Each route below is a pattern of paths under this mount; ask for the help of any path it matches for its parameters. Which of them a token may use depends on its policies.', ''];
  for (const def of [...defs].sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0))) {
    out.push(indent(4, routeOf(def)), indent(8, (def.synopsis ?? '').trim()), '');
  }
  return out.join('\n');
}

export interface HelpBackend {
  type: string;
  kind: 'secret' | 'auth';
  specialPaths: SpecialPaths;
  help: string;
  paths: readonly PathDef<Fields>[];
}

const info = (b: HelpBackend): BackendInfo => ({ type: b.type, kind: b.kind, specialPaths: b.specialPaths });

/** Vault's help response: `help`, `see_also` and `openapi` (the HTTP layer sends them bare). */
export function helpResponse(b: HelpBackend, def: PathDef<Fields> | null, requestPath: string): LogicalResponse {
  // A backend does not know the server's version (Vault leaves it out when redacting too);
  // sys/internal/specs/openapi carries it.
  const doc = newOasDocument('');
  const target = newOasTarget(doc);
  let help: string;
  if (def === null) {
    documentPaths(b.paths, info(b), target);
    help = rootHelpText(b.help, b.paths);
  } else {
    documentPath(def, info(b), target);
    help = pathHelpText(def, requestPath);
  }
  return { data: { help, see_also: null, openapi: doc } };
}
